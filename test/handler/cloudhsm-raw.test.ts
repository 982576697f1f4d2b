// lambda/cloudhsm-raw.ts on the wire: the resource-policy requests the pinned client cannot send
// leave through the client's own middleware (signed for cloudhsm, its endpoint, its retries) as AWS
// JSON 1.1 requests whose target and members are the published model's (test/sim/models/cloudhsmv2.json,
// generated from botocore), reach the simulator's model check and are served; a malformed one is refused.

import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { deleteResourcePolicy, getResourcePolicy, putResourcePolicy, RAW_OPERATIONS } from '../../lambda/cloudhsm-raw';
import { useServedSimulator } from '../sim/fixtures';
import { serviceModel } from '../sim/models/model';

const REGION = 'us-east-1';
const served = useServedSimulator(41);

interface Sent { readonly headers: Record<string, string>; readonly body: Record<string, unknown> }

/** A client of the simulator that records each request as it leaves (after signing). */
function recordingClient(sent: Sent[], maxAttempts = 1): CloudHSMV2Client {
  const client = new CloudHSMV2Client({ region: REGION, endpoint: served.url, maxAttempts, credentials: { accessKeyId: 'AKIDWIRE', secretAccessKey: 'sim' } });
  client.middlewareStack.add((next) => async (args: any) => {
    sent.push({ headers: { ...args.request.headers }, body: JSON.parse(args.request.body) });
    return next(args);
  }, { step: 'finalizeRequest', priority: 'low', name: 'recordRequest' });
  return client;
}

function readyBackupArn(): string {
  const c = served.sim.handle(REGION, 'CreateCluster', { HsmType: 'hsm2m.medium', SubnetIds: ['subnet-0a000000'] }) as any;
  return served.sim.createBackup(REGION, c.Cluster.ClusterId).BackupArn as string;
}

const model = serviceModel('cloudhsmv2');
const POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: '222222222222' }, Action: 'cloudhsm:CreateCluster', Resource: '*' }] });

test('each operation is in the published model, served by the simulator, and sent with the model\'s target and member names', async () => {
  const arn = readyBackupArn();
  const sent: Sent[] = [];
  const client = recordingClient(sent);
  await putResourcePolicy(client, arn, POLICY);
  await getResourcePolicy(client, arn);
  await deleteResourcePolicy(client, arn);
  expect(sent.map((s) => s.headers['x-amz-target'])).toEqual(['BaldrApiService.PutResourcePolicy', 'BaldrApiService.GetResourcePolicy', 'BaldrApiService.DeleteResourcePolicy']);
  for (const [i, op] of ['PutResourcePolicy', 'GetResourcePolicy', 'DeleteResourcePolicy'].entries()) {
    const input = model.operations[op]!;
    // Every member sent is a member of the model's input shape, and the ARN is the CloudHsmArn shape.
    expect(Object.keys(sent[i].body).every((m) => m in model.shapes[input].members!)).toBe(true);
    expect(model.shapes[input].members!.ResourceArn).toBe('CloudHsmArn');
    expect(sent[i].body.ResourceArn).toBe(arn);
    expect(sent[i].headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(sent[i].headers.authorization).toMatch(new RegExp(`Credential=AKIDWIRE/\\d{8}/${REGION}/cloudhsm/aws4_request`));
  }
  expect(sent[0].body).toEqual({ ResourceArn: arn, Policy: POLICY });
  expect(model.shapes.PutResourcePolicyRequest.members).toEqual({ ResourceArn: 'CloudHsmArn', Policy: 'ResourcePolicy' });
  expect(served.sim.callCounts()).toMatchObject({ PutResourcePolicy: 1, GetResourcePolicy: 1, DeleteResourcePolicy: 1 });
  expect([...RAW_OPERATIONS].sort()).toEqual(Object.keys(model.operations).filter((op) => op.endsWith('ResourcePolicy')).sort());
});

test('a malformed request (ARN outside the model\'s pattern, empty policy) is refused by the model check with the client\'s exception', async () => {
  const sent: Sent[] = [];
  const client = recordingClient(sent);
  await expect(putResourcePolicy(client, 'arn:aws:cloudhsm:us-east-1:123456789012:backup/not-a-backup', POLICY)).rejects.toMatchObject({
    name: 'CloudHsmInvalidRequestException',
    message: expect.stringContaining("at 'resourceArn' failed to satisfy constraint: Member must satisfy regular expression pattern"),
  });
  await expect(putResourcePolicy(client, readyBackupArn(), '')).rejects.toMatchObject({
    name: 'CloudHsmInvalidRequestException',
    message: expect.stringContaining("at 'policy' failed to satisfy constraint: Member must have length greater than or equal to 1"),
  });
  expect(sent).toHaveLength(2);
});

test('throttling is retried by the client\'s own retry strategy, as for its generated commands', async () => {
  const arn = readyBackupArn();
  served.sim.injectFault({ operation: 'GetResourcePolicy', kind: 'throttle', nextCalls: 2 });
  const sent: Sent[] = [];
  expect(await getResourcePolicy(recordingClient(sent, 4), arn)).toEqual({});
  expect(sent).toHaveLength(3);
});
