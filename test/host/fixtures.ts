// What the host-script tests share: the scripts as the stack and the handler hand them to the host
// (setup.sh as user data; the others through the handler's own command builder, with the rule
// values and the prelude in front), and the check that no password reached any output.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { hereDocCommands } from '../../lambda/host-command';
import { failedLoginArgs, failedLoginsIn, Login } from '../../lambda/login-guard';
import { SandboxHost } from '../sim/host/sandbox';
import { CommandResult } from '../sim/run-command';

export const REGION = 'us-east-1';
export const PACKAGE_URL = 'https://packages.example.invalid/cloudhsm-cli-latest.amzn2023.%ARCH%.rpm';

/** A file of lambda/host as it is in the repository. */
export const hostFile = (name: string) => readFileSync(path.join(__dirname, '..', '..', 'lambda', 'host', name), 'utf8');

/** setup.sh as the admin host's user data runs it (the construct sets these variables in front). */
export function runSetup(host: SandboxHost): Promise<CommandResult> {
  return host.run(`export CDK_CLOUDHSM_REGION='${REGION}'\nexport CDK_CLOUDHSM_PACKAGE_URL='${PACKAGE_URL}'\n${hostFile('setup.sh')}`);
}

/** A script as the handler sends it: rules, prelude and script on stdin of `bash -s`, with its arguments. */
export function runSent(host: SandboxHost, name: string, argv: string[]): Promise<CommandResult> {
  return host.run(hereDocCommands(name, 'END_OF_SCRIPT', argv).join('\n'));
}

/** No output of these commands holds any of the passwords. */
export function expectNoSecret(results: CommandResult[], secrets: string[]): void {
  for (const r of results) {
    for (const secret of secrets) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  }
}

/**
 * The `--failed-login` arguments the handler sends with the next command after `result` (the
 * FAILED_LOGIN_MARK lines of its error output, read back by lambda/login-guard.ts), for these logins.
 */
export function failedAfter(result: CommandResult, logins: Login[]): string[] {
  return failedLoginArgs(failedLoginsIn(result.stderr), logins);
}
