// The harness's KMS parts: what counts as an orphan among key stores and KMS keys, and the native
// AWS::KMS::Alias / S3 bucket key check against the simulator's KMS.

import { SeededIds } from './ids';
import { NativeProvisioner } from './native';
import { inventory } from './report';
import { DeployedResource, SimResourceView } from './types';
import { CloudHsmSimulator } from '../sim';

const deployed = (physicalId: string): DeployedResource => ({
  logicalId: physicalId, type: 'Custom::X', custom: true, physicalId, attributes: {}, properties: {}, dependsOn: [], generation: 0,
});

describe('orphans among key stores and KMS keys', () => {
  const view = (type: string, id: string, state: string, clusterId = 'cluster-owned'): SimResourceView => ({ region: 'us-east-1', type, id, state, clusterId });

  test('a key store or key nobody names is an orphan even in a cluster of the stack; pending deletion and retained ones are not', () => {
    const all = [
      view('cluster', 'cluster-owned', 'ACTIVE', undefined),
      view('hsm', 'hsm-1', 'ACTIVE'),
      view('key-store', 'cks-owned', 'CONNECTED'),
      view('key-store', 'cks-leaked', 'DISCONNECTED'),
      view('kms-key', 'key-owned', 'Enabled'),
      view('kms-key', 'key-leaked', 'Enabled'),
      view('kms-key', 'key-going', 'PendingDeletion'),
      view('kms-key', 'key-retained', 'Unavailable'),
    ];
    const { left, orphans } = inventory(all, ['cluster-owned', 'cks-owned', 'key-owned'].map(deployed), [
      { logicalId: 'K', type: 'Custom::CloudHsmKmsKey', physicalId: 'key-retained', reason: 'DeletionPolicy', phase: 'destroy' },
    ]);
    expect(orphans.map((r) => r.id)).toEqual(['cks-leaked', 'key-leaked']);
    expect(left.map((r) => r.id)).not.toContain('key-going');
  });
});

describe('native KMS aliases and S3 bucket keys', () => {
  function world() {
    const sim = new CloudHsmSimulator({ seed: 5 });
    const native = new NativeProvisioner(new SeededIds(1, 'S'), sim, { region: 'us-east-1', account: '123456789012', partition: 'aws', stackName: 'S' });
    const keyId = (sim.handle('us-east-1', 'CreateKey', {}, 'kms').KeyMetadata as { KeyId: string }).KeyId;
    return { sim, native, keyId };
  }

  test('AWS::KMS::Alias: created in KMS, re-pointed on update, deleted; a missing key fails the resource', () => {
    const { sim, native, keyId } = world();
    const created = native.provision('Alias', 'AWS::KMS::Alias', { AliasName: 'alias/app', TargetKeyId: keyId }, 0);
    expect(created.physicalId).toBe('alias/app');
    expect(sim.describeKmsKey('us-east-1', 'alias/app')).toBe('Enabled');
    const other = (sim.handle('us-east-1', 'CreateKey', {}, 'kms').KeyMetadata as { KeyId: string }).KeyId;
    native.provision('Alias', 'AWS::KMS::Alias', { AliasName: 'alias/app', TargetKeyId: other }, 0);
    expect(sim.kms.aliases.get('us-east-1/alias/app')?.targetKeyId).toBe(other);
    expect(native.needsReplacement('AWS::KMS::Alias', { AliasName: 'alias/a' }, { AliasName: 'alias/b' })).toBe(true);
    native.remove('AWS::KMS::Alias', 'alias/app');
    expect(sim.describeKmsKey('us-east-1', 'alias/app')).toBeUndefined();
    expect(() => native.provision('Bad', 'AWS::KMS::Alias', { AliasName: 'alias/x', TargetKeyId: '00000000-0000-0000-0000-000000000000' }, 0))
      .toThrow(/Bad: KMS refused alias alias\/x/);
  });

  test('AWS::S3::Bucket: its default-encryption key must exist and not be pending deletion', () => {
    const { sim, native, keyId } = world();
    const bucket = (key: string) => ({ BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key } }] } });
    expect(native.provision('Bucket', 'AWS::S3::Bucket', bucket(`arn:aws:kms:us-east-1:123456789012:key/${keyId}`), 0).physicalId).toMatch(/^S-Bucket-/);
    expect(() => native.provision('Bucket2', 'AWS::S3::Bucket', bucket('11111111-2222-3333-4444-555555555555'), 0)).toThrow(/Bucket2: the bucket's KMS key .* does not exist/);
    sim.handle('us-east-1', 'ScheduleKeyDeletion', { KeyId: keyId }, 'kms');
    expect(() => native.provision('Bucket3', 'AWS::S3::Bucket', bucket(keyId), 0)).toThrow(/pending deletion/);
  });
});
