// The simulator over HTTP on 127.0.0.1, speaking the awsJson1_1 protocol the SDK uses:
//   POST /  X-Amz-Target: BaldrApiService.<Operation>  body: JSON
// The region of a request is the one in its SigV4 credential scope
// (Authorization: ... Credential=AKID/20260101/<region>/cloudhsm/aws4_request ...), its account the
// one the simulator maps AKID to (SimulatorOptions.accounts; otherwise the default account).
// Signatures are not checked. Errors carry both the x-amzn-errortype header and __type,
// so the SDK surfaces error.name === the error type.
// Control endpoints (not an AWS path): POST /_sim/<command> with a JSON body.

import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { handleEc2, isEc2Request } from './ec2';
import { serialization, SimError } from './errors';
import { FaultSpec } from './faults';
import { ConnectionFault } from './kms';
import { PCA_TARGET_PREFIX, PcaError, PrivateCaFake } from './pca';
import { CommandFaultSpec } from './run-command';
import { CloudHsmSimulator, Service } from './simulator';
import { ClusterState, Tag } from './types';

const TARGET_PREFIX = 'BaldrApiService.';
/** The other services, by the target prefix of their requests (both awsJson1_1). */
const SERVICE_PREFIXES: ReadonlyArray<readonly [string, Service]> = [
  ['AmazonSSM.', 'ssm'], ['secretsmanager.', 'secretsmanager'], ['TrentService.', 'kms'],
];
const MAX_BODY = 1024 * 1024;

export interface SimulatorServer {
  readonly url: string;
  readonly port: number;
  readonly sim: CloudHsmSimulator;
  close(): Promise<void>;
}

/** The region of a SigV4-signed request, from the credential scope of its Authorization header. */
export function regionFromAuthorization(header: string | undefined): string | undefined {
  const m = header?.match(/Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\/[^/,\s]+\/aws4_request/);
  return m?.[1];
}

/** The access key id of a SigV4-signed request (the simulator serves an account per key, see SimulatorOptions.accounts). */
export function accessKeyFromAuthorization(header: string | undefined): string | undefined {
  return header?.match(/Credential=([^/,\s]+)\//)?.[1];
}

type Body = Record<string, unknown>;

function str(body: Body, name: string, fallback?: string): string {
  const v = body[name] ?? fallback;
  if (typeof v !== 'string') throw new Error(`'${name}' (string) is required`);
  return v;
}

function num(body: Body, name: string): number {
  const v = body[name];
  if (typeof v !== 'number') throw new Error(`'${name}' (number) is required`);
  return v;
}

/** The control API over HTTP: the same as the simulator's control methods. */
const CONTROL: Record<string, (sim: CloudHsmSimulator, body: Body) => unknown> = {
  'advance': (sim, b) => ({ fired: sim.advance(num(b, 'ms')), nowMs: sim.clock.now() }),
  'now': (sim) => ({ nowMs: sim.clock.now(), pending: sim.clock.pending() }),
  'activate-cluster': (sim, b) => sim.activateCluster(str(b, 'region', sim.defaultRegion), str(b, 'clusterId')),
  'degrade-cluster': (sim, b) => sim.degradeCluster(str(b, 'region', sim.defaultRegion), str(b, 'clusterId'), b.message as string | undefined),
  'degrade-hsm': (sim, b) => sim.degradeHsm(str(b, 'region', sim.defaultRegion), str(b, 'hsmId'), b.message as string | undefined),
  'replace-hsm': (sim, b) => ({
    ...sim.replaceHsm(str(b, 'region', sim.defaultRegion), str(b, 'hsmId'), {
      failedMs: b.failedMs as number | undefined, rebuildMs: b.rebuildMs as number | undefined, message: b.message as string | undefined,
    }),
  }),
  'fail-hsm-creates': (sim, b) => {
    sim.failHsmCreates(str(b, 'region', sim.defaultRegion), Number(b.count ?? 1), b.message as string | undefined);
    return {};
  },
  'force-cluster-state': (sim, b) => sim.forceClusterState(
    str(b, 'region', sim.defaultRegion), str(b, 'clusterId'), str(b, 'state') as ClusterState, b.message as string | undefined),
  'create-backup': (sim, b) => sim.createBackup(str(b, 'region', sim.defaultRegion), str(b, 'clusterId'),
    { neverExpires: b.neverExpires as boolean | undefined, tags: b.tags as Tag[] | undefined }),
  'register-subnet': (sim, b) => sim.registerSubnet(str(b, 'region', sim.defaultRegion), str(b, 'subnetId'),
    { az: str(b, 'az'), vpcId: str(b, 'vpcId'), cidr: str(b, 'cidr') }),
  'resources': (sim) => ({ resources: sim.listResources() }),
  'calls': (sim, b) => ({ counts: sim.callCounts(b.region as string | undefined), calls: sim.calls.list() }),
  'reset-calls': (sim) => { sim.resetCallCounts(); return {}; },
  'add-fault': (sim, b) => ({ id: sim.injectFault(b as unknown as FaultSpec) }),
  'faults': (sim) => ({ faults: sim.faults.list() }),
  'remove-fault': (sim, b) => { sim.removeFault(num(b, 'id')); return {}; },
  'clear-faults': (sim) => { sim.clearFaults(); return {}; },
  'reset': (sim) => { sim.reset(); return {}; },
  'launch-instance': (sim, b) => {
    const i = sim.launchInstance(str(b, 'region', sim.defaultRegion), {
      id: b.instanceId as string | undefined,
      userData: b.userData as string | undefined,
      ipAddress: b.ipAddress as string | undefined,
      bootMs: b.bootMs as number | undefined,
    });
    return { instanceId: i.id, onlineAtMs: i.onlineAtMs, ipAddress: i.ipAddress };
  },
  'terminate-instance': (sim, b) => { sim.terminateInstance(str(b, 'region', sim.defaultRegion), str(b, 'instanceId')); return {}; },
  'create-secret': (sim, b) => {
    const s = sim.createSecret(str(b, 'region', sim.defaultRegion), str(b, 'name'), str(b, 'secretString'));
    return { arn: s.arn, name: s.name };
  },
  'delete-secret': (sim, b) => {
    sim.deleteSecret(str(b, 'region', sim.defaultRegion), str(b, 'secretId'), { forceDelete: b.forceDelete === true });
    return {};
  },
  // The stand-in cloudhsm-cli of the host sandbox: one CLI command against the cluster behind `servers`.
  'hsm-cli': (sim, b) => {
    const servers = Array.isArray(b.servers) ? b.servers.map(String) : [];
    const args = Array.isArray(b.args) ? b.args.map(String) : [];
    return sim.hsmCli(str(b, 'region', sim.defaultRegion), servers, args, b.password as string | undefined, b.session as string | undefined);
  },
  'hsm-cli-end-session': (sim, b) => { sim.endHsmCliSession(str(b, 'session')); return {}; },
  'add-connection-fault': (sim, b) => { sim.injectConnectionFault(b as unknown as ConnectionFault); return {}; },
  'add-command-fault': (sim, b) => { sim.injectCommandFault(b as unknown as CommandFaultSpec); return {}; },
  'clear-command-faults': (sim) => { sim.clearCommandFaults(); return {}; },
};

export const CONTROL_COMMANDS = Object.keys(CONTROL);

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  res.end(text);
}

function sendError(res: http.ServerResponse, error: SimError): void {
  send(res, error.status, error.toBody(), { 'x-amzn-errortype': error.type });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function handleApi(sim: CloudHsmSimulator, req: http.IncomingMessage, res: http.ServerResponse, text: string,
  pca?: PrivateCaFake): Promise<void> {
  const target = String(req.headers['x-amz-target'] ?? '');
  if (pca && target.startsWith(PCA_TARGET_PREFIX)) {
    try {
      send(res, 200, pca.handle(target.slice(PCA_TARGET_PREFIX.length), text.trim() === '' ? {} : JSON.parse(text)) ?? {});
    } catch (e) {
      if (!(e instanceof PcaError)) throw e;
      send(res, 400, { __type: e.type, message: e.message }, { 'x-amzn-errortype': e.type });
    }
    return;
  }
  const other = SERVICE_PREFIXES.find(([prefix]) => target.startsWith(prefix));
  if (!target.startsWith(TARGET_PREFIX) && !other) {
    throw new SimError('UnknownOperationException', `Unknown X-Amz-Target '${target}'; expected ${TARGET_PREFIX}<Operation>`);
  }
  const [prefix, service]: readonly [string, Service] = other ?? [TARGET_PREFIX, 'cloudhsm'];
  const region = regionFromAuthorization(req.headers.authorization) ?? sim.defaultRegion;
  let input: unknown;
  try {
    input = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw serialization('The request body is not valid JSON');
  }
  const account = sim.accountOfAccessKey(accessKeyFromAuthorization(req.headers.authorization));
  const plan = sim.beginCall(region, target.slice(prefix.length), service, account);
  if (plan.latencyMs > 0) await sleep(plan.latencyMs);
  send(res, 200, sim.completeCall(plan, input));
}

function handleControl(sim: CloudHsmSimulator, command: string, res: http.ServerResponse, text: string): void {
  const fn = CONTROL[command];
  if (!fn) {
    send(res, 404, { error: `unknown control command '${command}'`, commands: CONTROL_COMMANDS });
    return;
  }
  try {
    const body = text.trim() === '' ? {} : JSON.parse(text) as Body;
    send(res, 200, fn(sim, body) ?? {});
  } catch (e) {
    send(res, 400, { error: (e as Error).message });
  }
}

/**
 * Starts the simulator's HTTP server on 127.0.0.1 (port 0: any free port). With `pca`, requests
 * with an `ACMPrivateCA.` target go to that AWS Private CA fake.
 */
export async function startSimulatorServer(sim: CloudHsmSimulator = new CloudHsmSimulator(), port = 0,
  pca?: PrivateCaFake): Promise<SimulatorServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      try {
        const text = await readBody(req);
        const path = (req.url ?? '/').split('?')[0];
        if (path.startsWith('/_sim/')) {
          handleControl(sim, path.slice('/_sim/'.length), res, text);
        } else if (req.method === 'POST' && path === '/' && isEc2Request(req.headers['content-type'], text)) {
          // EC2 speaks the query protocol (test/sim/ec2.ts)
          const { status, xml } = handleEc2(sim, regionFromAuthorization(req.headers.authorization) ?? sim.defaultRegion, text);
          res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'content-length': Buffer.byteLength(xml) });
          res.end(xml);
        } else if (req.method === 'POST' && path === '/') {
          await handleApi(sim, req, res, text, pca);
        } else {
          send(res, 404, { error: `no route for ${req.method} ${path}; the API is POST / with X-Amz-Target, control is POST /_sim/<command>` });
        }
      } catch (e) {
        if (res.headersSent) return;
        if (e instanceof SimError) sendError(res, e);
        else send(res, 500, { __type: 'CloudHsmInternalFailureException', Message: (e as Error).message });
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    sim,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((err) => (err ? reject(err) : resolve()));
    }),
  };
}
