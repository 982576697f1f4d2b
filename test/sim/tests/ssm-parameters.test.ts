// SSM Parameter Store's GetParameter in the simulator, over HTTP with the real SDK client
// (@aws-sdk/client-ssm): by name, by ARN, with a version selector; a parameter that is not there,
// another region's ARN, a version it does not have and a name with a space inside are refused with
// the reference's errors. Parameters are put and deleted by the control API (the harness does it
// for AWS::SSM::Parameter) and are listed among the simulator's resources while they exist.

import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CloudHsmSimulator, startSimulatorServer, SimulatorServer } from '..';

const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' };
let server: SimulatorServer;
let sim: CloudHsmSimulator;
let ssm: SSMClient;

beforeAll(async () => {
  server = await startSimulatorServer(new CloudHsmSimulator({ seed: 5 }));
  sim = server.sim;
  ssm = new SSMClient({ region: REGION, endpoint: server.url, credentials, maxAttempts: 1 });
});
afterAll(async () => {
  ssm.destroy();
  await server.close();
});
beforeEach(() => sim.reset());

const get = (Name: string) => ssm.send(new GetParameterCommand({ Name }));
const errorOf = (p: Promise<unknown>) => p.then(() => 'no error', (e: Error) => e.name);

test('a put parameter is read by name and by ARN; a new value is the next version', async () => {
  sim.putParameter(REGION, '/app/trust-anchor', 'PEM-1');
  expect((await get('/app/trust-anchor')).Parameter).toEqual(expect.objectContaining({
    Name: '/app/trust-anchor',
    Type: 'String',
    Value: 'PEM-1',
    Version: 1,
    ARN: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/trust-anchor',
  }));
  expect((await get('arn:aws:ssm:us-east-1:123456789012:parameter/app/trust-anchor')).Parameter?.Value).toBe('PEM-1');
  sim.putParameter(REGION, '/app/trust-anchor', 'PEM-2');
  expect((await get(' /app/trust-anchor ')).Parameter).toEqual(expect.objectContaining({ Value: 'PEM-2', Version: 2 }));
  expect((await get('/app/trust-anchor:2')).Parameter).toEqual(expect.objectContaining({ Value: 'PEM-2', Selector: ':2' }));
  expect(sim.listResources().filter((r) => r.type === 'parameter')).toEqual([{ region: REGION, type: 'parameter', id: '/app/trust-anchor', state: 'ACTIVE' }]);
});

test('refusals: not there, deleted, another region, a missing version, a space inside the name', async () => {
  expect(await errorOf(get('/nothing'))).toBe('ParameterNotFound');
  sim.putParameter(REGION, 'plain', 'v');
  expect((await get('arn:aws:ssm:us-east-1:123456789012:parameter/plain')).Parameter?.Value).toBe('v');
  expect(await errorOf(get('arn:aws:ssm:us-west-2:123456789012:parameter/plain'))).toBe('ParameterNotFound');
  expect(await errorOf(get('plain:7'))).toBe('ParameterVersionNotFound');
  expect(await errorOf(get('pla in'))).toBe('ValidationException');
  sim.deleteParameter(REGION, 'plain');
  expect(await errorOf(get('plain'))).toBe('ParameterNotFound');
  expect(sim.listResources().filter((r) => r.type === 'parameter')).toEqual([]);
});
