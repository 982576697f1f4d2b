// Whether a KMS key in a CloudHSM key store can be used in a cryptographic operation (Encrypt,
// Decrypt, GenerateDataKey, ...) now. KMS Developer Guide, "Using KMS keys in a CloudHSM key store":
// the key state is Enabled; the key store is CONNECTED; the associated cluster "must contain at least
// one active HSM"; the cluster "must contain the key material for the KMS key. If the key material
// was deleted from the cluster, or an HSM was created from a backup that did not include the key
// material, the cryptographic operation will fail". "If these conditions are not met, the
// cryptographic operation fails, and AWS KMS returns a KMSInvalidStateException." A disconnected
// store's keys are Unavailable ("Disconnect a CloudHSM key store"); a store that lost its HSMs stays
// CONNECTED ("DISCONNECTED ... only when the key store has never been connected or you explicitly
// disconnect it"), so the HSM condition is checked on its own.
// The simulator serves no cryptographic operation over HTTP (its KMS model holds the custom key store
// operations only): tests call `encryptWith`, which applies these rules to a key by id.

import { holdsKeyMaterial } from './cluster-content';
import { SimError } from './errors';
import { KmsState } from './kms';

/** The ciphertext stand-in: the key id and the plaintext's length, nothing secret. */
export interface SimCiphertext {
  readonly keyId: string;
  readonly bytes: number;
}

/** Encrypts with a KMS key of a region, or throws the SimError KMS answers with. */
export function encryptWith(kms: KmsState, region: string, keyId: string, plaintext: string): SimCiphertext {
  const k = kms.keys.get(keyId);
  if (!k || k.region !== region) throw new SimError('NotFoundException', `Key '${keyId}' does not exist in ${region}`);
  const state = kms.keyState(k);
  if (state !== 'Enabled') throw new SimError('KMSInvalidStateException', `${k.arn} is ${state}.`);
  if (k.keyStoreId === undefined || k.clusterId === undefined) return { keyId: k.id, bytes: plaintext.length };
  const cluster = kms.liveCluster(region, k.clusterId);
  if (!cluster || !cluster.hsms.some((h) => h.state === 'ACTIVE')) {
    throw new SimError('KMSInvalidStateException', `${k.arn}: the CloudHSM cluster ${k.clusterId} of its key store has no active HSM.`);
  }
  if (!holdsKeyMaterial(cluster, k.id)) {
    throw new SimError('KMSInvalidStateException', `${k.arn}: the CloudHSM cluster ${k.clusterId} does not contain the key material of this key.`);
  }
  return { keyId: k.id, bytes: plaintext.length };
}
