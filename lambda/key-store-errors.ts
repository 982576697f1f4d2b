import { CustomKeyStoresListEntry } from '@aws-sdk/client-kms';

/**
 * What to do for each ConnectionErrorCode of a CloudHSM key store, after the KMS Developer Guide
 * ("How to fix a connection failure") and the API reference (CustomKeyStoresListEntry). Each fix
 * ends with a new deployment: a FAILED store is disconnected and connected again by the next one.
 */
export const CONNECTION_ERROR_ADVICE: Record<string, string> = {
  CLUSTER_NOT_FOUND: 'KMS cannot find the CloudHSM cluster of the store: check that the cluster exists in this account and region; '
    + 'a deleted cluster can be re-created from its backup and the store pointed at it (UpdateCustomKeyStore CloudHsmClusterId)',
  INSUFFICIENT_CLOUDHSM_HSMS: 'the cluster has no ACTIVE HSM: add HSMs (at least two, in different Availability Zones) and deploy again',
  INSUFFICIENT_FREE_ADDRESSES_IN_SUBNET: 'a subnet of the cluster has no free IP address; KMS needs one in each of the cluster\'s subnets '
    + '(two are better): free addresses (delete unused network interfaces) or restore the cluster from a backup into larger subnets',
  INTERNAL_ERROR: 'KMS could not complete the request because of an internal error: deploy again (the store is disconnected before it is connected again)',
  INVALID_CREDENTIALS: 'the kmsuser password KMS has is not the password of kmsuser on the cluster: set the same password on both '
    + '(CloudHSM CLI user change-password for kmsuser, and UpdateCustomKeyStore KeyStorePassword while disconnected; docs/key-store.md, password rotation)',
  NETWORK_ERRORS: 'network errors keep KMS from the cluster: check that the cluster\'s security group allows TCP 2223-2225 from itself '
    + '(inbound and outbound), that the subnets\' network ACLs allow that traffic, and that the security group KMS made (kms-<store id>) was not changed',
  SUBNET_NOT_FOUND: 'a subnet of the cluster was deleted: restore the cluster from a backup into existing subnets and point the store at it',
  USER_LOCKED_OUT: 'kmsuser is locked out of the cluster after failed logins: reset its password with the CloudHSM CLI as admin '
    + '(user change-password --username kmsuser --role crypto-user), put it in the kmsuser secret and in the store (UpdateCustomKeyStore KeyStorePassword)',
  USER_LOGGED_IN: 'kmsuser is logged in to the cluster (someone logged in as kmsuser), which keeps KMS from rotating its password and logging in: '
    + 'log kmsuser out of every CloudHSM client session, then deploy again',
  USER_NOT_FOUND: 'the cluster has no crypto user kmsuser: create it with the password of the kmsuser secret '
    + '(CloudHSM CLI user create --username kmsuser --role crypto-user), or remove the store from the stack and deploy it again (it creates kmsuser)',
};

/** The error of a store whose connection FAILED: the store, the ConnectionErrorCode and what to do. */
export function connectionFailure(who: string, store: CustomKeyStoresListEntry): Error {
  const code = store.ConnectionErrorCode ?? 'unknown';
  const advice = CONNECTION_ERROR_ADVICE[code]
    ?? 'see "How to fix a connection failure" in the KMS Developer Guide';
  return new Error(`${who}: custom key store ${store.CustomKeyStoreId} could not connect to cluster ${store.CloudHsmClusterId}: `
    + `ConnectionErrorCode ${code}: ${advice}`);
}
