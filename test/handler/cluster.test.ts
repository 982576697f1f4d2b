// Handler tests of Custom::CloudHsmCluster beyond its lifecycle steps: logging, the dispatch of
// unknown resource types and the SDK retry policy.

import * as http from 'http';
import { cluster, CLUSTER_ID, describes, event, hsm } from './cluster-fixtures';
import { cloudHsm, MAX_ATTEMPTS, setClientFactory } from '../../lambda/aws';
import { isComplete, onEvent } from '../../lambda/index';

describe('logging', () => {
  test('never writes the PreCoPassword', async () => {
    process.env.CDK_CLOUDHSM_QUIET = '0';
    const lines: string[] = [];
    const spy = jest.spyOn(console, 'log').mockImplementation((...args) => { lines.push(args.join(' ')); });
    try {
      describes(cluster({ State: 'CREATE_IN_PROGRESS' }));
      await isComplete(event('Create', { PhysicalResourceId: CLUSTER_ID }));
      describes(cluster());
      await isComplete(event('Create', { PhysicalResourceId: CLUSTER_ID }));
    } finally {
      spy.mockRestore();
      process.env.CDK_CLOUDHSM_QUIET = '1';
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).toContain(CLUSTER_ID);
    expect(lines.join('\n')).not.toContain('secret-pre-co-password');
  });
});

describe('unknown resource types', () => {
  test('are refused by name', async () => {
    await expect(onEvent({ ...event('Create'), ResourceType: 'Custom::Other' }))
      .rejects.toThrow('Unsupported resource type Custom::Other (Cluster)');
  });
});

describe('the SDK retry policy', () => {
  test('the client uses the standard strategy with the configured attempts', async () => {
    hsm.restore();
    try {
      const client = cloudHsm();
      expect(await client.config.maxAttempts()).toBe(MAX_ATTEMPTS);
      const mode = client.config.retryMode as unknown;
      expect(typeof mode === 'function' ? await mode() : mode).toBe('standard');
    } finally {
      hsm.reset();
    }
  });

  test('throttling is retried by the SDK until the call goes through (real client over HTTP)', async () => {
    let calls = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        if (calls <= 2) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
          return;
        }
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ Clusters: [{ ...cluster(), CreateTimestamp: 1700000000 }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as any).port;
    hsm.restore();
    process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2 = `http://127.0.0.1:${port}`;
    setClientFactory();
    try {
      const res = await isComplete(event('Create', { PhysicalResourceId: CLUSTER_ID }));
      expect(res.IsComplete).toBe(true);
      // Two throttled attempts and the DescribeClusters that succeeds: one call per poll.
      expect(calls).toBe(3);
    } finally {
      delete process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2;
      setClientFactory();
      server.close();
      hsm.reset();
    }
  });
});
