// The host scripts hold no rule of their own: the password limits, the characters a password
// cannot hold and kmsuser's name come from src/private/host-rules.ts, written by the handler in
// front of every script it sends. These tests run the prelude's checks with bash at the rules'
// bounds, and with other values to show the scripts follow whatever the rules say.

import { spawnSync } from 'node:child_process';
import { hostFile } from './fixtures';
import { hostScript, PRELUDE } from '../../lambda/host-command';
import {
  hostRuleAssignments, KMS_USER_NAME, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, UNUSABLE_PASSWORD_CHARACTERS,
} from '../../src/private/host-rules';

/** Runs the prelude's check_password on a password, after these rule assignments: the exit code and error output. */
function checkPassword(assignments: string[], password: string): { code: number | null; stderr: string } {
  const text = [...assignments, hostFile(PRELUDE), 'check_password "$1" the-secret && echo ok'].join('\n');
  const r = spawnSync('bash', ['-c', text, 'check', password], { encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

const of = (n: number) => 'Ab3'.repeat(20).slice(0, n);

describe('the rules reach the scripts from src/private/host-rules.ts', () => {
  test.each(['activate.sh', 'create-kmsuser.sh'])('%s is sent with the rule values in front of the prelude', (name) => {
    const sent = hostScript(name).split('\n');
    const assignments = hostRuleAssignments();
    expect(assignments).toEqual(expect.arrayContaining([`MIN_PASSWORD_LENGTH=${MIN_PASSWORD_LENGTH}`, `MAX_PASSWORD_LENGTH=${MAX_PASSWORD_LENGTH}`]));
    const at = sent.indexOf(assignments[0]);
    expect(at).toBeGreaterThan(0);
    expect(sent.slice(at, at + assignments.length)).toEqual(assignments);
    expect(sent.indexOf('read_password() {')).toBeGreaterThan(at + assignments.length);
  });

  test('no host script sets a rule value itself', () => {
    for (const name of ['prelude.sh', 'activate.sh', 'create-kmsuser.sh']) {
      const text = hostFile(name);
      expect(text).not.toMatch(/^\s*(MIN_PASSWORD_LENGTH|MAX_PASSWORD_LENGTH|UNUSABLE_PASSWORD_PATTERN|KMS_USER_NAME)=/m);
      expect(text).not.toMatch(/\b8 to 32\b|< 8\b|> 32\b/);
      expect(text).not.toMatch(/^[A-Z_]+="?kmsuser"?$/m);
    }
  });

  test('check_password takes exactly the lengths the rules allow', () => {
    const rules = hostRuleAssignments();
    expect(checkPassword(rules, of(MIN_PASSWORD_LENGTH)).code).toBe(0);
    expect(checkPassword(rules, of(MAX_PASSWORD_LENGTH)).code).toBe(0);
    const short = checkPassword(rules, of(MIN_PASSWORD_LENGTH - 1));
    expect(short.code).toBe(6);
    expect(short.stderr).toContain(`has ${MIN_PASSWORD_LENGTH - 1} characters; the CloudHSM CLI takes ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH}`);
    expect(checkPassword(rules, of(MAX_PASSWORD_LENGTH + 1)).code).toBe(6);
  });

  test.each([...UNUSABLE_PASSWORD_CHARACTERS, ' ', '\t'])('check_password refuses a password with %j', (c) => {
    const r = checkPassword(hostRuleAssignments(), `${of(10)}${c}${of(4)}`);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('contains whitespace, a quote or a backslash');
  });

  test('with other rule values the same prelude follows them (it holds none of its own)', () => {
    const other = hostRuleAssignments().map((a) => a.replace(/^MAX_PASSWORD_LENGTH=\d+$/, 'MAX_PASSWORD_LENGTH=40')
      .replace(/^UNUSABLE_PASSWORD_PATTERN=.*$/, 'UNUSABLE_PASSWORD_PATTERN=\'[[:space:]#]\''));
    expect(checkPassword(other, of(40)).code).toBe(0);
    expect(checkPassword(other, `${of(10)}"${of(4)}`).code).toBe(0);
    expect(checkPassword(other, `${of(10)}#${of(4)}`).code).toBe(6);
  });

  test('create-kmsuser.sh names the crypto user from the rules', () => {
    expect(hostRuleAssignments()).toContain(`KMS_USER_NAME='${KMS_USER_NAME}'`);
    expect(hostFile('create-kmsuser.sh')).toContain('KMSUSER="$KMS_USER_NAME"');
  });
});
