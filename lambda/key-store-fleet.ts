// A key store whose cluster's stack declares no HSM (the cluster scaled to zero). KMS keeps a
// CloudHSM key store CONNECTED when its cluster loses its HSMs ("DISCONNECTED ... only when the key
// store has never been connected or you explicitly disconnect it"; "If your key store connection
// state is CONNECTED but you are having trouble using it, make sure that its associated cluster ...
// contains at least one active HSM", KMS developer guide), and its keys fail every cryptographic
// operation meanwhile either way. cdk-cloudhsm disconnects the store before the last HSM goes:
// - the state then says what is true: DISCONNECTED, its keys Unavailable, rather than a CONNECTED
//   store whose keys fail;
// - KMS logs out of the cluster and removes the network interfaces it made for the connection;
// - the way back is the documented one ("To fix an unavailable KMS key, reconnect the custom key
//   store"): once the HSMs are back, the deployment connects the store and waits for CONNECTED,
//   which proves KMS logs in as kmsuser on the restored HSMs (a FAILED connection fails the
//   deployment with its ConnectionErrorCode).
// CloudFormation removes the HSMs in the clean-up phase of the deployment, after this update. Keys are
// neither disabled nor scheduled for deletion.

import { CustomKeyStoresListEntry } from '@aws-sdk/client-kms';
import { EMPTY_FLEET, FLEET_PROPERTY } from '../src/private/rules';

/** Whether the properties say the cluster has no HSM in the stack. */
export const fleetIsEmpty = (raw: Record<string, any>): boolean => raw[FLEET_PROPERTY] === EMPTY_FLEET;

/**
 * What an update of a store whose cluster goes to zero HSMs does next: 'done' once DISCONNECTED,
 * 'disconnect' to ask for it, 'wait' while it disconnects. A rename cannot happen meanwhile
 * (UpdateCustomKeyStore needs two ACTIVE HSMs): it is refused, naming why.
 */
export function emptyFleetStep(who: string, store: CustomKeyStoresListEntry, name: string): 'done' | 'disconnect' | 'wait' {
  if (store.CustomKeyStoreName !== name) {
    throw new Error(`${who}: customKeyStoreName (CustomKeyStoreName): the key store cannot be renamed while its cluster has no HSM `
      + '(UpdateCustomKeyStore needs two ACTIVE HSMs in different Availability Zones); rename it once the HSMs are back');
  }
  if (store.ConnectionState === 'DISCONNECTED') return 'done';
  if (store.ConnectionState === 'DISCONNECTING') return 'wait';
  return 'disconnect';
}
