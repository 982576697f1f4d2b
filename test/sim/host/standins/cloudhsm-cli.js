// The CloudHSM CLI (`$CLOUDHSM_DIR/bin/cloudhsm-cli`, installed by the stand-in package) of the
// host sandbox: `cluster activate [--password P]`, `user list`, `login --username U --role R
// --password P`, `logout`, `user create --username U --role R --password P`, `user delete --username U --role R`, `user change-password
// --username U --role R --password P`, in single-command mode (`cloudhsm-cli user list`) or in interactive
// mode (`cloudhsm-cli interactive`, commands read line by line from stdin until `quit`; each
// prints its JSON after the `aws-cloudhsm > ` prompt, nothing is echoed; a login lasts until
// `logout` or the end of the process, as the CLI's session does). Like the
// real CLI it reads `$CLOUDHSM_DIR/etc/cloudhsm-cli.cfg` (written by configure-cli) for the HSM
// addresses and needs the trust anchor named there (`hsm_ca_file`); without --password
// `cluster activate` reads the password and its confirmation from stdin. It prints
// `{ "error_code": ..., "data": ... }` and exits 0 on success, 1 on an error.
// SANDBOX_CLI_FAULT=crash makes it fail as a broken installation does (exit 127).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
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
  if (args.length === 0) error('Usage: cloudhsm-cli <COMMAND> | cloudhsm-cli interactive');
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
  if (args[0] === 'interactive') {
    const lines = fs.readFileSync(0, 'utf8').split('\n');
    // The session of this process: the simulator keeps its login until logout or the end.
    const session = `${process.pid}-${randomUUID()}`;
    try {
      for (const line of lines) {
        const words = line.trim().split(/\s+/).filter((w) => w !== '');
        if (words.length === 0) continue;
        if (words[0] === 'quit' || words[0] === 'exit') break;
        process.stdout.write('aws-cloudhsm > ');
        const p = words.indexOf('--password');
        const outcome = await control('hsm-cli', {
          region, servers, session, args: p < 0 ? words : words.filter((_, n) => n !== p && n !== p + 1), password: p < 0 ? undefined : words[p + 1],
        });
        process.stdout.write(`${JSON.stringify(outcome.output, null, 2)}\n`);
      }
    } finally {
      await control('hsm-cli-end-session', { session });
    }
    process.exit(0);
  }
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
