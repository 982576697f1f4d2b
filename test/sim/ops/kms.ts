// KMS operations (API version 2014-11-01, target prefix TrentService.) for CloudHSM key stores and
// their keys. Members, limits and error types are those of the KMS API reference (the model
// documentation of @aws-sdk/client-kms 3.1161.0 carries its text); each rule names its source:
// - CreateCustomKeyStore: CustomKeyStoreName 1..256, CloudHsmClusterId 19..24, TrustAnchorCertificate
//   1..5000, KeyStorePassword 7..32 (sensitive: never echoed). Errors: CustomKeyStoreNameInUseException
//   ("name is already assigned to another custom key store in the account"), CloudHsmClusterNotFoundException,
//   CloudHsmClusterInUseException ("already associated with a custom key store or it shares a backup
//   history with a cluster that is" - the same cluster certificate), CloudHsmClusterNotActiveException,
//   CloudHsmClusterInvalidConfigurationException ("For the CreateCustomKeyStore, UpdateCustomKeyStore,
//   and CreateKey operations, the CloudHSM cluster must have at least two active HSMs, each in a
//   different Availability Zone"; subnets in two AZs), IncorrectTrustAnchorException ("not the trust
//   anchor certificate for the specified CloudHSM cluster").
// - CustomKeyStoreInvalidStateException: Connect on DISCONNECTING or FAILED ("To reconnect a custom
//   key store in a FAILED state, disconnect it, then connect it"); Disconnect on DISCONNECTING or
//   DISCONNECTED; CreateKey unless CONNECTED; DeleteCustomKeyStore unless DISCONNECTED;
//   UpdateCustomKeyStore unless DISCONNECTED, except that a CloudHSM key store's name may be changed
//   while CONNECTED too (UpdateCustomKeyStore).
// - DeleteCustomKeyStore: "The custom key store that you delete cannot contain any KMS keys"
//   (CustomKeyStoreHasCMKsException); keys pending deletion are still keys until deleted.
// - UpdateCustomKeyStore CloudHsmClusterId: "a different, but related" cluster (same cluster
//   certificate), else CloudHsmClusterNotRelatedException.
// - CreateKey in a key store: Origin AWS_CLOUDHSM, KeySpec SYMMETRIC_DEFAULT and KeyUsage
//   ENCRYPT_DECRYPT only ("No other key type is supported in a custom key store"), no multi-Region keys.
// - ScheduleKeyDeletion: PendingWindowInDays 7..30, default 30; KeyState PendingDeletion.
// - Tags: TagKey 1..128, TagValue 0..256, at most 50 per key; keys starting with aws: -> TagException.
// - Input shapes (lengths, patterns, enums, required members) are the KMS model's, checked before any
//   handler runs (test/sim/models/kms.json); what follows are the rules the model cannot state.
// - Policies: JSON (MalformedPolicyDocumentException otherwise); PolicyName 'default'. The key policy
//   size quota is 32 KB (KMS Developer Guide, Quotas: "Key policy document size: 32 KB (32,768
//   bytes)"); "If the key policy exceeds the length constraint, KMS returns a LimitExceededException"
//   (PutKeyPolicy/CreateKey Policy).
// - Aliases: AliasName must begin with alias/ and "cannot begin with alias/aws/" (CreateAlias
//   AliasName): InvalidAliasNameException; its characters are the model's pattern.

import { KmsHandler } from './kms-common';
import { connectCustomKeyStore, createCustomKeyStore, deleteCustomKeyStore, describeCustomKeyStores, disconnectCustomKeyStore, updateCustomKeyStore } from './kms-key-stores';
import { createAlias, createKey, deleteAlias, describeKey, getKeyPolicy, listAliases, listKeys, listResourceTags, putKeyPolicy, scheduleKeyDeletion, tagResource, untagResource, updateKeyDescription } from './kms-keys';

export type { KmsContext, KmsHandler } from './kms-common';

export const KMS_HANDLERS: Record<string, KmsHandler> = {
  ConnectCustomKeyStore: connectCustomKeyStore,
  CreateAlias: createAlias,
  CreateCustomKeyStore: createCustomKeyStore,
  CreateKey: createKey,
  DeleteAlias: deleteAlias,
  DeleteCustomKeyStore: deleteCustomKeyStore,
  DescribeCustomKeyStores: describeCustomKeyStores,
  DescribeKey: describeKey,
  DisconnectCustomKeyStore: disconnectCustomKeyStore,
  GetKeyPolicy: getKeyPolicy,
  ListAliases: listAliases,
  ListKeys: listKeys,
  ListResourceTags: listResourceTags,
  PutKeyPolicy: putKeyPolicy,
  ScheduleKeyDeletion: scheduleKeyDeletion,
  TagResource: tagResource,
  UntagResource: untagResource,
  UpdateCustomKeyStore: updateCustomKeyStore,
  UpdateKeyDescription: updateKeyDescription,
};
