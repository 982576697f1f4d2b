/**
 * How error messages name a property, so that they read in every jsii language: the construct
 * property as the TypeScript API spells it (Python users read it in snake_case, Go and C# in
 * PascalCase), then in parentheses the property of the synthesized template that carries the value,
 * which is spelled the same everywhere and is what `cdk synth` and the CloudFormation console show.
 * A property that reaches no template property of its own is named alone.
 *
 * Shared by the constructs (synth time) and the bundled handler (deploy time): no CDK imports.
 */
export function propertyName(constructProperty: string, templateProperty?: string): string {
  return templateProperty === undefined ? constructProperty : `${constructProperty} (${templateProperty})`;
}

/** The names of every property that a cdk-cloudhsm error message mentions. */
export const P = {
  // HsmCluster
  hsmType: propertyName('hsmType', 'HsmType'),
  vpcSubnets: propertyName('vpcSubnets', 'SubnetIds'),
  sourceBackupId: propertyName('sourceBackupId', 'SourceBackupId'),
  backupRetention: propertyName('backupRetention', 'BackupRetentionDays'),
  mode: propertyName('mode', 'Mode'),
  networkType: propertyName('networkType', 'NetworkType'),
  tags: propertyName('tags', 'Tags'),
  allowReplacement: propertyName('allowReplacement', 'AllowReplacement'),
  // HsmKeyStore
  customKeyStoreName: propertyName('customKeyStoreName', 'CustomKeyStoreName'),
  kmsUserSecret: propertyName('kmsUserSecret', 'KmsUserSecretArn'),
  // CryptoUser
  username: propertyName('username', 'Username'),
  passwordSecret: propertyName('passwordSecret', 'UserSecretArn'),
  // Hsm
  cluster: propertyName('cluster', 'ClusterId'),
  availabilityZone: propertyName('availabilityZone', 'AvailabilityZone'),
  subnet: propertyName('subnet'),
  ipAddress: propertyName('ipAddress', 'IpAddress'),
  degradedRetries: propertyName('degradedRetries', 'DegradedRetries'),
  // BackupCopy
  backupId: propertyName('backupId', 'BackupId'),
  destinationRegion: propertyName('destinationRegion', 'DestinationRegion'),
  shareWith: propertyName('shareWith', 'ShareWith'),
  // ClusterInitialization
  ca: propertyName('ca', 'CertificateAuthorityArn'),
  validity: propertyName('validity', 'ValidityDays'),
  signedCertificate: propertyName('signedCertificate', 'SignedCert'),
  trustAnchor: propertyName('trustAnchor', 'TrustAnchor'),
  // HsmKey
  customKeyStoreId: propertyName('customKeyStoreId', 'CustomKeyStoreId'),
  description: propertyName('description', 'Description'),
  pendingWindow: propertyName('pendingWindow', 'PendingWindowInDays'),
} as const;
