// The simulated CloudHSM CLI's lockout (issue #23, item 14): five failed logins in a row lock a
// user, whom only a new password set by an admin unlocks; and `user change-password` is refused
// for a user logged in in another session. Each case failed before the simulator modelled it.
import { clusterWithHsm } from '../fixtures';
import { CloudHsmSimulator } from '../simulator';

const REGION = 'us-east-1';
const ADMIN = 'Gr33n-Tea-Kettle-42';
const CU = 'Crypto4User5Pass';

function activeCluster(): { sim: CloudHsmSimulator; ip: string; clusterId: string } {
  const sim = new CloudHsmSimulator({ seed: 3 });
  const { ip, clusterId } = clusterWithHsm(sim, REGION);
  expect(sim.hsmCli(REGION, [ip], ['cluster', 'activate'], ADMIN).exitCode).toBe(0);
  return { sim, ip, clusterId };
}

const login = (sim: CloudHsmSimulator, ip: string, user: string, role: string, password: string, session?: string) =>
  sim.hsmCli(REGION, [ip], ['login', '--username', user, '--role', role], password, session);

describe('lockout after five failed logins', () => {
  test('four wrong passwords, then the right one: logged in, and the count starts again', () => {
    const { sim, ip } = activeCluster();
    for (let i = 0; i < 4; i++) expect(login(sim, ip, 'admin', 'admin', 'wrong-password').exitCode).toBe(1);
    expect(login(sim, ip, 'admin', 'admin', ADMIN).exitCode).toBe(0);
    for (let i = 0; i < 4; i++) login(sim, ip, 'admin', 'admin', 'wrong-password');
    expect(login(sim, ip, 'admin', 'admin', ADMIN).exitCode).toBe(0);
  });

  test('the fifth wrong password locks the user: its own password no longer logs in', () => {
    const { sim, ip, clusterId } = activeCluster();
    for (let i = 0; i < 5; i++) login(sim, ip, 'admin', 'admin', 'wrong-password');
    const outcome = login(sim, ip, 'admin', 'admin', ADMIN);
    expect(outcome.exitCode).toBe(1);
    expect(String(outcome.output.data)).toMatch(/admin is locked/);
    expect(sim.hsmUsers.find(REGION, clusterId, 'admin')?.locked).toBe(true);
  });

  test('an admin setting a new password unlocks a locked crypto user', () => {
    const { sim, ip } = activeCluster();
    expect(login(sim, ip, 'admin', 'admin', ADMIN, 's1').exitCode).toBe(0);
    expect(sim.hsmCli(REGION, [ip], ['user', 'create', '--username', 'kmsuser', '--role', 'crypto-user'], CU, 's1').exitCode).toBe(0);
    for (let i = 0; i < 5; i++) login(sim, ip, 'kmsuser', 'crypto-user', 'wrong-password');
    expect(login(sim, ip, 'kmsuser', 'crypto-user', CU).exitCode).toBe(1);
    const NEW = 'Another9Password';
    expect(sim.hsmCli(REGION, [ip], ['user', 'change-password', '--username', 'kmsuser', '--role', 'crypto-user'], NEW, 's1').exitCode).toBe(0);
    expect(login(sim, ip, 'kmsuser', 'crypto-user', NEW).exitCode).toBe(0);
  });
});

describe('user change-password', () => {
  test('is refused for a user logged in in another session', () => {
    const { sim, ip } = activeCluster();
    login(sim, ip, 'admin', 'admin', ADMIN, 's1');
    sim.hsmCli(REGION, [ip], ['user', 'create', '--username', 'kmsuser', '--role', 'crypto-user'], CU, 's1');
    expect(login(sim, ip, 'kmsuser', 'crypto-user', CU, 's2').exitCode).toBe(0);
    const refused = sim.hsmCli(REGION, [ip], ['user', 'change-password', '--username', 'kmsuser', '--role', 'crypto-user'], 'Another9Password', 's1');
    expect(refused.exitCode).toBe(1);
    expect(String(refused.output.data)).toMatch(/kmsuser: the user is logged in/);
    sim.endHsmCliSession('s2');
    expect(sim.hsmCli(REGION, [ip], ['user', 'change-password', '--username', 'kmsuser', '--role', 'crypto-user'], 'Another9Password', 's1').exitCode).toBe(0);
  });
});
