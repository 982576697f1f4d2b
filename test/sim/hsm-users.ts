// The users on a cluster's HSMs, as the CloudHSM CLI's `user list` shows them. Before
// activation the cluster has the built-in `admin` in the unactivated-admin role (its default
// password is "password") and the service's internal appliance user; `cluster activate` gives
// admin the admin role and the new password. Crypto users (kmsuser for a KMS key store) are
// added with `add` (the CLI's `user create`). A user logged in through a CLI session (the
// stand-in's interactive mode) stays logged in until `logout` or the end of that session: KMS
// refuses to connect a key store while kmsuser is logged in (USER_LOGGED_IN).

export type HsmUserRole = 'unactivated-admin' | 'admin' | 'crypto-user' | 'internal(APPLIANCE_USER)';

export interface HsmUser {
  readonly username: string;
  role: HsmUserRole;
  /** never shown by any listing */
  password: string;
  locked: boolean;
  /** ids of the CLI sessions logged in as this user */
  sessions?: Set<string>;
}

/** The built-in admin's password before activation (CloudHSM user guide). */
export const UNACTIVATED_ADMIN_PASSWORD = 'password';

export class HsmUsers {
  /** What `user list` prints for a user: never the password. */
  public static view(u: HsmUser): Record<string, unknown> {
    return { 'username': u.username, 'role': u.role, 'locked': String(u.locked), 'mfa': [], 'cluster-coverage': 'full' };
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

  /** Whether any CLI session is logged in as the user. */
  public static loggedIn(u: HsmUser): boolean {
    return (u.sessions?.size ?? 0) > 0;
  }

  /** The user a session is logged in as on a cluster, if any. */
  public sessionUser(region: string, clusterId: string, session: string): HsmUser | undefined {
    return this.of(region, clusterId).find((u) => u.sessions?.has(session));
  }

  public login(user: HsmUser, session: string): void {
    (user.sessions ??= new Set()).add(session);
  }

  /** Ends a session's login on every cluster (`logout`, or the CLI process ends). */
  public endSession(session: string): boolean {
    let ended = false;
    for (const users of this.byCluster.values()) {
      for (const u of users) ended = (u.sessions?.delete(session) ?? false) || ended;
    }
    return ended;
  }

  public clear(): void {
    this.byCluster.clear();
  }
}
