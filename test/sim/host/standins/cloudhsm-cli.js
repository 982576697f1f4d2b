// The CloudHSM CLI (`$CLOUDHSM_DIR/bin/cloudhsm-cli`, installed by the stand-in package) of the
// host sandbox, in single-command mode: `cloudhsm-cli cluster activate [--password P]`,
// `cloudhsm-cli user list`, `cloudhsm-cli login --username U --role R --password P`. Like the
// real CLI it reads `$CLOUDHSM_DIR/etc/cloudhsm-cli.cfg` (written by configure-cli) for the HSM
// addresses and needs the trust anchor named there (`hsm_ca_file`); without --password
// `cluster activate` reads the password and its confirmation from stdin. It prints
// `{ "error_code": ..., "data": ... }` and exits 0 on success, 1 on an error.
// SANDBOX_CLI_FAULT=crash makes it fail as a broken installation does (exit 127).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { control, fail, region } = require('./common');

const dir = process.env.CLOUDHSM_DIR || '/opt/cloudhsm';

function print(outcome) {
  process.stdout.write(`${JSON.stringify(outcome.output, null, 2)}\n`);
  process.exit(outcome.exitCode);
}

const error = (data) => print({ exitCode: 1, output: { error_code: 1, data } });

async function main() {
  if (process.env.SANDBOX_CLI_FAULT === 'crash') {
    fail(`${path.join(dir, 'bin', 'cloudhsm-cli')}: error while loading shared libraries: libcloudhsm_cli.so: cannot open shared object file: No such file or directory`, 127);
  }
  const args = process.argv.slice(2);
  if (args[0] === 'interactive' || args.length === 0) error('Interactive mode needs a terminal; the sandbox runs single commands');
  const cfgFile = path.join(dir, 'etc', 'cloudhsm-cli.cfg');
  let cfg;
  try {
    cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  } catch (e) {
    error(`Unable to read the configuration file ${cfgFile}: ${e.code || e.message}`);
  }
  const cluster = (cfg.clusters || [])[0]?.cluster || {};
  const servers = (cluster.servers || []).filter((s) => s.enable !== false).map((s) => String(s.hostname));
  const ca = cluster.hsm_ca_file || path.join(dir, 'etc', 'customerCA.crt');
  if (!fs.existsSync(ca)) error(`Unable to establish a TLS connection: the trust anchor ${ca} was not found`);
  let password;
  const i = args.indexOf('--password');
  if (i >= 0) {
    password = args[i + 1];
  } else if (args[0] === 'cluster' && args[1] === 'activate') {
    const lines = fs.readFileSync(0, 'utf8').split('\n');
    if (lines.length < 2 || lines[0] === '') error('Enter password: no password was given');
    if (lines[0] !== lines[1]) error('Passwords do not match');
    password = lines[0];
  }
  const outcome = await control('hsm-cli', { region, servers, args: args.filter((_, n) => n !== i && n !== i + 1 || i < 0), password });
  print(outcome);
}

main().catch((e) => fail(`cloudhsm-cli: ${e.message}`, 1));
