// What the CloudHSM CLI (`cloudhsm-cli`, Client SDK 5) does against a cluster, for the stand-in
// binary of the host sandbox: `cluster activate`, `user list`, `login`, `logout`, `user create`,
// `user delete` and `user change-password`. The CLI prints JSON `{ "error_code": 0, "data": ... }`; the success
// texts are the user guide's ("Cluster activation successful"). The CLI reaches the cluster
// through the HSM addresses of its configuration file; an address with no ACTIVE HSM behind it is
// unreachable. A login belongs to a CLI session (the interactive mode's process): user management
// needs an admin logged in in that session, as the CLI's user commands document (admins create
// users and may change any user's password; a crypto user changes only its own).
// A user is locked after five failed logins in a row (HsmUsers.failedLogin); a locked user cannot
// log in, even with its password, until an admin sets a new one. `user change-password` is refused
// for a user logged in in another session, as the CLI refuses it.
// `cluster activate` makes the cluster's first backup, as sim.activateCluster does (onActivated).
// Error texts are this simulator's own (the user guide documents the outputs of success only);
// each names what went wrong: unreachable HSM, cluster not initialized, already activated,
// invalid credentials, password rules, not logged in, no permission, user exists or is missing.
// `user delete` (CloudHSM CLI reference, user delete): admins only; refused for a user that owns
// keys and for a user logged in (in another session).

import { setClusterState } from './context';
import { HsmUser, HsmUserRole, HsmUsers } from './hsm-users';
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
  lockedOut: (u: HsmUser) => `Unable to log in: user ${u.username} is locked after too many failed logins; an admin must set a new password (user change-password)`,
  targetLoggedIn: (u: HsmUser) => `Unable to change the password of ${u.username}: the user is logged in; it must log out first`,
  passwordRules: `Invalid password: it must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`,
  usage: (args: readonly string[]) => `Unsupported command: ${args.join(' ') || '(none)'}`,
  alreadyLoggedIn: (u: HsmUser) => `Unable to log in: this session is already logged in as ${u.username}; log out first`,
  notLoggedIn: 'No user is logged in: log in first',
  notAdmin: (u: HsmUser) => `Permission denied: ${u.username} (${u.role}) may not manage users; log in as an admin`,
  notOwnPassword: (u: HsmUser) => `Permission denied: ${u.username} (${u.role}) may change only its own password`,
  userExists: (name: string) => `User ${name} already exists`,
  userMissing: (name: string, role: string) => `User ${name} with role ${role} does not exist`,
  usernameRules: (name: string) => `Invalid username '${name}': 1 to 31 letters, digits or underscores`,
  roleRules: (role: string) => `Invalid role '${role}': one of admin, crypto-user`,
  ownsKeys: (u: HsmUser) => `Unable to delete ${u.username}: the user owns keys; delete its keys first`,
  deleteLoggedIn: (u: HsmUser) => `Unable to delete ${u.username}: the user is logged in; it must log out first`,
};

/** Roles `user create` takes. */
const USER_ROLES = ['admin', 'crypto-user'] as const;
const USERNAME = /^[a-zA-Z0-9_]{1,31}$/;

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

const passwordOk = (pw: string | undefined): pw is string => pw !== undefined && pw.length >= PASSWORD_MIN && pw.length <= PASSWORD_MAX;

/** `login`: the password, the role (an unactivated admin logs in with role admin), not locked. */
function login(users: HsmUsers, region: string, cluster: ClusterRecord, args: readonly string[], pw: string | undefined,
  session: string | undefined): CliOutcome {
  const current = session === undefined ? undefined : users.sessionUser(region, cluster.id, session);
  if (current) return fail(CLI_MESSAGES.alreadyLoggedIn(current));
  const user = users.find(region, cluster.id, (option(args, '--username') ?? '').toLowerCase());
  const role = option(args, '--role');
  const roleMatches = user !== undefined && (user.role === role || (user.role === 'unactivated-admin' && role === 'admin'));
  if (!user || !roleMatches) return fail(CLI_MESSAGES.invalidCredentials);
  if (user.locked) return fail(CLI_MESSAGES.lockedOut(user));
  if (pw === undefined || user.password !== pw) {
    users.failedLogin(user);
    return fail(CLI_MESSAGES.invalidCredentials);
  }
  users.succeededLogin(user);
  if (session !== undefined) users.login(user, session);
  return ok({ username: user.username, role: user.role });
}

/** `user delete`: an admin logged in in this session; not a user that owns keys or is logged in elsewhere. */
function deleteUser(users: HsmUsers, region: string, cluster: ClusterRecord, args: readonly string[], session: string | undefined): CliOutcome {
  const actor = session === undefined ? undefined : users.sessionUser(region, cluster.id, session);
  if (!actor) return fail(CLI_MESSAGES.notLoggedIn);
  if (actor.role !== 'admin') return fail(CLI_MESSAGES.notAdmin(actor));
  const username = (option(args, '--username') ?? '').toLowerCase();
  const role = option(args, '--role') ?? '';
  const target = users.find(region, cluster.id, username);
  if (!target || target.role !== role) return fail(CLI_MESSAGES.userMissing(username, role));
  if ((target.ownedKeys ?? 0) > 0) return fail(CLI_MESSAGES.ownsKeys(target));
  if (HsmUsers.loggedIn(target)) return fail(CLI_MESSAGES.deleteLoggedIn(target));
  users.remove(region, cluster.id, username);
  return ok({ username, role });
}

/** `user create` and `user change-password`: an admin logged in in this session (or the user itself, for its password). */
function manageUser(users: HsmUsers, region: string, cluster: ClusterRecord, verb: string, args: readonly string[],
  pw: string | undefined, session: string | undefined): CliOutcome {
  const actor = session === undefined ? undefined : users.sessionUser(region, cluster.id, session);
  if (!actor) return fail(CLI_MESSAGES.notLoggedIn);
  const name = option(args, '--username') ?? '';
  const role = option(args, '--role') ?? '';
  if (!USERNAME.test(name)) return fail(CLI_MESSAGES.usernameRules(name));
  if (!(USER_ROLES as readonly string[]).includes(role)) return fail(CLI_MESSAGES.roleRules(role));
  if (!passwordOk(pw)) return fail(CLI_MESSAGES.passwordRules);
  const username = name.toLowerCase(); // CloudHSM user names are not case sensitive
  const target = users.find(region, cluster.id, username);
  if (verb === 'user create') {
    if (actor.role !== 'admin') return fail(CLI_MESSAGES.notAdmin(actor));
    if (target) return fail(CLI_MESSAGES.userExists(username));
    users.add(region, cluster.id, { username, role: role as HsmUserRole, password: pw, locked: false });
    return ok({ username, role });
  }
  if (!target || target.role !== role) return fail(CLI_MESSAGES.userMissing(username, role));
  if (actor.role !== 'admin' && actor !== target) return fail(CLI_MESSAGES.notOwnPassword(actor));
  const otherSessions = [...(target.sessions ?? [])].filter((id) => id !== session);
  if (otherSessions.length > 0) return fail(CLI_MESSAGES.targetLoggedIn(target));
  users.setPassword(target, pw); // a new password unlocks a locked-out user
  return ok({ username, role });
}

/**
 * Runs one CLI command (`args` after `cloudhsm-cli`) against the cluster reached through
 * `servers`. `password` is the one given with --password or typed at the prompt; `session`
 * names the CLI process a login belongs to (none: single-command mode, nothing stays logged in).
 */
export function runHsmCli(store: Store, users: HsmUsers, region: string, servers: readonly string[],
  args: readonly string[], password?: string, session?: string, onActivated?: (cluster: ClusterRecord) => void): CliOutcome {
  const command = args.filter((a) => !a.startsWith('--')).slice(0, 2).join(' ');
  const known = ['cluster activate', 'user list', 'user create', 'user delete', 'user change-password', 'login', 'logout'];
  const verb = known.find((k) => command === k || command.startsWith(`${k} `) || (['login', 'logout'].includes(k) && args[0] === k));
  if (!verb) return fail(CLI_MESSAGES.usage(args));
  if (verb === 'logout') {
    return session !== undefined && users.endSession(session) ? ok('Logout successful') : fail(CLI_MESSAGES.notLoggedIn);
  }
  const cluster = reach(store, region, servers);
  if (!cluster) return fail(CLI_MESSAGES.unreachable(servers));
  const pw = password ?? option(args, '--password');
  if (verb === 'user list') return ok({ users: users.of(region, cluster.id).map(HsmUsers.view) });
  if (verb === 'login') return login(users, region, cluster, args, pw, session);
  if (verb === 'user delete') return deleteUser(users, region, cluster, args, session);
  if (verb === 'user create' || verb === 'user change-password') return manageUser(users, region, cluster, verb, args, pw, session);
  // cluster activate
  if (cluster.state === 'ACTIVE') return fail(CLI_MESSAGES.alreadyActive(cluster));
  if (cluster.state !== 'INITIALIZED') return fail(CLI_MESSAGES.notInitialized(cluster));
  if (!passwordOk(pw)) return fail(CLI_MESSAGES.passwordRules);
  const admin = users.find(region, cluster.id, 'admin')!;
  admin.role = 'admin';
  admin.password = pw;
  setClusterState(cluster, 'ACTIVE');
  // The service backs a cluster up when it is activated (CloudHSM user guide, cluster backups).
  onActivated?.(cluster);
  return ok('Cluster activation successful');
}
