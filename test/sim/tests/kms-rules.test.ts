// Where the simulator's hand-written KMS checks had drifted from the KMS model, and the behavioural
// rules kept beside the model check (each with the documentation sentence it follows).

import { CloudHsmSimulator, SimError } from '..';

const REGION = 'us-east-1';
const sim = new CloudHsmSimulator({ seed: 5 });

beforeEach(() => sim.reset());

function refusal(operation: string, input: Record<string, unknown>): { type: string; message: string } | undefined {
  try {
    sim.handle(REGION, operation, input, 'kms');
    return undefined;
  } catch (e) {
    if (!(e instanceof SimError)) throw e;
    return { type: e.type, message: e.message };
  }
}

const keyId = () => ((sim.handle(REGION, 'CreateKey', {}, 'kms').KeyMetadata as { KeyId: string }).KeyId);
const policy = (extra = '') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*', Sid: extra }] });

test('CloudHsmClusterId: the model\'s pattern, not only its length', () => {
  expect(refusal('CreateCustomKeyStore', { CustomKeyStoreName: 's', CloudHsmClusterId: 'cluster-!!!!!!!!!!!', TrustAnchorCertificate: 'x', KeyStorePassword: 'kmsuser-pw' }))
    .toEqual({ type: 'ValidationException', message: expect.stringContaining("at 'cloudHsmClusterId' failed to satisfy constraint: Member must satisfy regular expression pattern: cluster-[2-7a-zA-Z]{11,16}") });
});

test('key policy characters: the model\'s pattern (tab, newline, return, \\u0020-\\u00FF)', () => {
  const id = keyId();
  expect(refusal('PutKeyPolicy', { KeyId: id, Policy: policy('\u0100') })).toEqual({ type: 'ValidationException', message: expect.stringContaining("at 'policy' failed to satisfy constraint: Member must satisfy regular expression pattern") });
  expect(refusal('PutKeyPolicy', { KeyId: id, Policy: policy('é\t') })).toBeUndefined();
});

test('key policy size: LimitExceededException over the 32 KB quota and over the model\'s length', () => {
  const id = keyId();
  expect(refusal('PutKeyPolicy', { KeyId: id, Policy: policy('x'.repeat(32_768)) })?.type).toBe('LimitExceededException');
  expect(refusal('PutKeyPolicy', { KeyId: id, Policy: policy('x'.repeat(140_000)) })?.type).toBe('LimitExceededException');
  expect(refusal('CreateKey', { Policy: policy('x'.repeat(40_000)) })?.type).toBe('LimitExceededException');
  expect(refusal('PutKeyPolicy', { KeyId: id, Policy: policy('x'.repeat(32_000)) })).toBeUndefined();
});

test('alias names: characters by the model (ValidationException), the alias/ and alias/aws/ prefixes by the operation (InvalidAliasNameException)', () => {
  const id = keyId();
  expect(refusal('CreateAlias', { AliasName: 'alias/my key', TargetKeyId: id })?.type).toBe('ValidationException');
  expect(refusal('CreateAlias', { AliasName: 'app/key', TargetKeyId: id })?.type).toBe('InvalidAliasNameException');
  expect(refusal('CreateAlias', { AliasName: 'alias/aws/s3', TargetKeyId: id })?.type).toBe('InvalidAliasNameException');
  expect(refusal('CreateAlias', { AliasName: 'alias/app:1', TargetKeyId: id })).toBeUndefined();
});

test('Limit: each listing\'s documented range within the model\'s 1..1000, and ListAliases\' default of 50', () => {
  const id = keyId();
  expect(refusal('ListAliases', { Limit: 101 })?.type).toBe('ValidationException');
  expect(refusal('ListResourceTags', { KeyId: id, Limit: 51 })?.type).toBe('ValidationException');
  expect(refusal('ListKeys', { Limit: 1001 })?.type).toBe('ValidationException');
  for (let i = 0; i < 51; i++) sim.handle(REGION, 'CreateAlias', { AliasName: `alias/a${i}`, TargetKeyId: id }, 'kms');
  const first = sim.handle(REGION, 'ListAliases', {}, 'kms');
  expect([(first.Aliases as unknown[]).length, first.Truncated]).toEqual([50, true]);
});

test('PolicyName: only the default policy can be set; a key has no AWS_RAM policy here', () => {
  const id = keyId();
  expect(refusal('PutKeyPolicy', { KeyId: id, PolicyName: 'AWS_RAM', Policy: policy() })?.type).toBe('ValidationException');
  expect(refusal('GetKeyPolicy', { KeyId: id, PolicyName: 'AWS_RAM' })?.type).toBe('NotFoundException');
  expect(refusal('GetKeyPolicy', { KeyId: id, PolicyName: 'default' })).toBeUndefined();
});

test('ScheduleKeyDeletion: 7..30 days by the operation, although the model allows 1..365', () => {
  const id = keyId();
  expect(refusal('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 6 })?.type).toBe('ValidationException');
  expect(refusal('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 31 })?.type).toBe('ValidationException');
  expect(refusal('ScheduleKeyDeletion', { KeyId: id, PendingWindowInDays: 7 })).toBeUndefined();
});
