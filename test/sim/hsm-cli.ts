// What the CloudHSM CLI (`cloudhsm-cli`, Client SDK 5) does against a cluster, for the stand-in
// binary of the host sandbox: `cluster activate`, `user list` and `login`. The CLI prints JSON
// `{ "error_code": 0, "data": ... }`; the success texts are the user guide's ("Cluster activation
// successful"). The CLI reaches the cluster through the HSM addresses of its configuration
// file; an address with no ACTIVE HSM behind it is unreachable.
// Error texts are this simulator's own (the user guide documents the outputs of success only);
// each names what went wrong: unreachable HSM, cluster not initialized, already activated,
// invalid credentials, password rules.

import { setClusterState } from './context';
import { HsmUsers } from './hsm-users';
import { Store } from './store';
import { ClusterRecord } from './types';

export interface CliOutcome {
  /** the process exit code: 0 on success, 1 on an error the CLI reports */
  readonly exitCode: number;
  /** what the CLI prints on stdout */
  readonly output: { error_code: number; data: unknown };
}

/** Password rules of the CloudHSM CLI for HSM users: 8 to 32 characters. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 32;

const ok = (data: unknown): CliOutcome => ({ exitCode: 0, output: { error_code: 0, data } });
const fail = (data: string): CliOutcome => ({ exitCode: 1, output: { error_code: 1, data } });

export const CLI_MESSAGES = {
  unreachable: (servers: readonly string[]) => `Unable to connect to the cluster: no HSM reachable at ${servers.length ? servers.join(', ') : '(no server configured)'}`,
  notInitialized: (c: ClusterRecord) => `Cluster activation failed: cluster ${c.id} is ${c.state}; it must be INITIALIZED`,
  alreadyActive: (c: ClusterRecord) => `Cluster activation failed: cluster ${c.id} is already activated (login as unactivated-admin was refused)`,
  invalidCredentials: 'Unable to log in: invalid username, role or password',
  passwordRules: `Invalid password: it must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`,
  usage: (args: readonly string[]) => `Unsupported command: ${args.join(' ') || '(none)'}`,
};

/** `--name value` options of a command line. */
function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The cluster behind the configured addresses: one of its HSMs must be ACTIVE at one of them. */
function reach(store: Store, region: string, servers: readonly string[]): ClusterRecord | undefined {
  for (const c of store.region(region).clusters.values()) {
    if (c.state === 'DELETED' || c.state === 'DELETE_IN_PROGRESS') continue;
    if (c.hsms.some((h) => h.state === 'ACTIVE' && servers.includes(h.eniIp))) return c;
  }
  return undefined;
}

/**
 * Runs one CLI command (`args` after `cloudhsm-cli`) against the cluster reached through
 * `servers`. `password` is the one given with --password or typed at the prompt.
 */
export function runHsmCli(store: Store, users: HsmUsers, region: string, servers: readonly string[],
  args: readonly string[], password?: string): CliOutcome {
  const command = args.filter((a) => !a.startsWith('--')).slice(0, 2).join(' ');
  const known = ['cluster activate', 'user list', 'login'];
  const verb = known.find((k) => command === k || command.startsWith(`${k} `) || (k === 'login' && args[0] === 'login'));
  if (!verb) return fail(CLI_MESSAGES.usage(args));
  const cluster = reach(store, region, servers);
  if (!cluster) return fail(CLI_MESSAGES.unreachable(servers));
  const pw = password ?? option(args, '--password');
  if (verb === 'user list') return ok({ users: users.of(region, cluster.id).map(HsmUsers.view) });
  if (verb === 'login') {
    const user = users.find(region, cluster.id, option(args, '--username') ?? '');
    const role = option(args, '--role');
    const roleMatches = user !== undefined && (user.role === role || (user.role === 'unactivated-admin' && role === 'admin'));
    if (!user || !roleMatches || pw === undefined || user.password !== pw || user.locked) return fail(CLI_MESSAGES.invalidCredentials);
    return ok({ username: user.username, role: user.role });
  }
  // cluster activate
  if (cluster.state === 'ACTIVE') return fail(CLI_MESSAGES.alreadyActive(cluster));
  if (cluster.state !== 'INITIALIZED') return fail(CLI_MESSAGES.notInitialized(cluster));
  if (pw === undefined || pw.length < PASSWORD_MIN || pw.length > PASSWORD_MAX) return fail(CLI_MESSAGES.passwordRules);
  const admin = users.find(region, cluster.id, 'admin')!;
  admin.role = 'admin';
  admin.password = pw;
  setClusterState(cluster, 'ACTIVE');
  return ok('Cluster activation successful');
}
