// `npm run demo` as a user runs it (its task's command, a fresh process, the user's environment):
// its output has no warning. The AWS SDK warns on Node.js 20 (NodeVersionSupportWarning) when the
// handler's clients are made; the harness, standing in for Lambda (Node.js 24 or newer), sets the
// SDK's documented opt-out. The control shows the warning is real without it on this Node.js.
import { spawnSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** The SDK's releases from January 2027 need Node.js 22; on older ones it warns (@aws-sdk/core). */
const SDK_WARNS_HERE = NODE_MAJOR < 22;

/** The environment without the opt-out, whatever the machine running the tests has set. */
function userEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  delete env.NODE_NO_WARNINGS;
  return env;
}

test('npm run demo prints no warning and ends with its three demos OK', () => {
  // The demo task's command (.projen/tasks.json, task `demo`).
  const r = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', 'test/demo/main.ts'],
    { cwd: ROOT, env: userEnv(), encoding: 'utf8', timeout: 900_000 });
  const output = `${r.stdout}${r.stderr}`;
  expect(r.status).toBe(0);
  expect(output).toMatch(/^demo OK$/m);
  expect(output).toMatch(/^activation demo OK$/m);
  expect(output).toMatch(/^road demo OK$/m);
  expect(output).not.toMatch(/Warning|NodeVersionSupport/);
}, 900_000);

test.each([
  ['without the opt-out', SDK_WARNS_HERE, {}],
  ['with AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true', false, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }],
])(`control: on this Node.js (${process.versions.node}) a client of the bundled SSM SDK version, %s, warns: %s`, (_label, warns, extra) => {
  // The SSM client the handler bundles (client-ssm of package.json) emits the warning when made.
  const r = spawnSync(process.execPath, ['-e', 'const { SSMClient } = require("@aws-sdk/client-ssm"); new SSMClient({ region: "us-east-1" });'],
    { cwd: ROOT, env: { ...userEnv(), ...extra }, encoding: 'utf8', timeout: 120_000 });
  expect(r.status).toBe(0);
  if (warns) expect(r.stderr).toMatch(/NodeVersionSupportWarning/);
  else expect(r.stderr).not.toMatch(/NodeVersionSupportWarning/);
}, 120_000);
