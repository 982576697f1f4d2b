// The users on a cluster's HSMs, as the CloudHSM CLI's `user list` shows them. Before
// activation the cluster has the built-in `admin` in the unactivated-admin role (its default
// password is "password") and the service's internal appliance user; `cluster activate` gives
// admin the admin role and the new password. Crypto users (kmsuser for a KMS key store) are
// added with `add` (the CLI's `user create`). A user logged in through a CLI session (the
// stand-in's interactive mode) stays logged in until `logout` or the end of that session: KMS
// refuses to connect a key store while kmsuser is logged in (USER_LOGGED_IN).
// Lockout (CloudHSM CLI user guide): a user is locked after MAX_FAILED_LOGINS failed logins in a
// row, and only a new password set by an admin (`user change-password`) unlocks it. The guide
// gives twenty for clusters made before February 2018; only the current five is modelled here.

export type HsmUserRole = 'unactivated-admin' | 'admin' | 'crypto-user' | 'internal(APPLIANCE_USER)';

export interface HsmUser {
  readonly username: string;
  role: HsmUserRole;
  /** never shown by any listing */
  password: string;
  locked: boolean;
  /** failed logins since the last successful one or the last new password */
  failedLogins?: number;
  /** ids of the CLI sessions logged in as this user */
  sessions?: Set<string>;
}

/** Failed logins in a row after which the CloudHSM CLI locks a user (clusters made from February 2018 on). */
export const MAX_FAILED_LOGINS = 5;

/** The built-in admin's password before activation (CloudHSM user guide). */
export const UNACTIVATED_ADMIN_PASSWORD = 'password';

export class HsmUsers {
  /** What `user list` prints for a user: never the password. */
  public static view(u: HsmUser): Record<string, unknown> {
    return { 'username': u.username, 'role': u.role, 'locked': String(u.locked), 'mfa': [], 'cluster-coverage': 'full' };
  }

  /** Whether any CLI session is logged in as the user. */
  public static loggedIn(u: HsmUser): boolean {
    return (u.sessions?.size ?? 0) > 0;
  }

  private readonly byCluster = new Map<string, HsmUser[]>();

  /** The cluster's users, created with the built-in ones on first use. */
  public of(region: string, clusterId: string): HsmUser[] {
    const key = `${region}/${clusterId}`;
    let users = this.byCluster.get(key);
    if (!users) {
      users = [
        { username: 'admin', role: 'unactivated-admin', password: UNACTIVATED_ADMIN_PASSWORD, locked: false },
        { username: 'app_user', role: 'internal(APPLIANCE_USER)', password: '', locked: false },
      ];
      this.byCluster.set(key, users);
    }
    return users;
  }

  public find(region: string, clusterId: string, username: string): HsmUser | undefined {
    return this.of(region, clusterId).find((u) => u.username === username);
  }

  /** Adds a user (e.g. a crypto user); refuses a name that exists. */
  public add(region: string, clusterId: string, user: HsmUser): void {
    if (this.find(region, clusterId, user.username)) throw new Error(`user ${user.username} already exists`);
    this.of(region, clusterId).push({ ...user });
  }

  /** The user a session is logged in as on a cluster, if any. */
  public sessionUser(region: string, clusterId: string, session: string): HsmUser | undefined {
    return this.of(region, clusterId).find((u) => u.sessions?.has(session));
  }

  public login(user: HsmUser, session: string): void {
    (user.sessions ??= new Set()).add(session);
  }

  /** Counts a failed login of an existing user; the MAX_FAILED_LOGINS-th locks it. */
  public failedLogin(user: HsmUser): void {
    user.failedLogins = (user.failedLogins ?? 0) + 1;
    if (user.failedLogins >= MAX_FAILED_LOGINS) user.locked = true;
  }

  /** A successful login starts the count again. */
  public succeededLogin(user: HsmUser): void {
    user.failedLogins = 0;
  }

  /** A new password (`user change-password`): the user is unlocked and its count starts again. */
  public setPassword(user: HsmUser, password: string): void {
    user.password = password;
    user.locked = false;
    user.failedLogins = 0;
  }

  /** Ends a session's login on every cluster (`logout`, or the CLI process ends). */
  public endSession(session: string): boolean {
    let ended = false;
    for (const users of this.byCluster.values()) {
      for (const u of users) ended = (u.sessions?.delete(session) ?? false) || ended;
    }
    return ended;
  }

  /**
   * A copy of the cluster's users as a backup holds them (a backup has the cluster's users and keys,
   * CloudHSM User Guide, "Cluster backups"): passwords, roles and lockout; no login survives it.
   */
  public snapshot(region: string, clusterId: string): HsmUser[] {
    return this.of(region, clusterId).map(({ sessions: _sessions, ...u }) => ({ ...u }));
  }

  /** A cluster restored from a backup has the backup's users, not the built-in unactivated ones. */
  public restore(region: string, clusterId: string, users: readonly HsmUser[]): void {
    this.byCluster.set(`${region}/${clusterId}`, users.map(({ sessions: _sessions, ...u }) => ({ ...u })));
  }

  public clear(): void {
    this.byCluster.clear();
  }
}
