// The application's login through a Client SDK 5 library in the host sandbox (`app-login-<lib>`,
// installed with the stand-in library package): what C_Login with CLOUDHSM_PIN=<user>:<password>
// does for PKCS #11 (and the JCE and OpenSSL engine with HSM_USER / HSM_PASSWORD): it reads the
// library's configuration (SANDBOX_CLIENT_CONFIG, written by configure-<lib>), needs the trust
// anchor it names, and logs in as the crypto user on the cluster behind its HSM addresses. The PIN
// comes from the environment, never the command line. Prints the CLI-style JSON; exit 0 or 1.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { randomUUID } = require('node:crypto');
const { control, fail, region } = require('./common');

const dir = process.env.CLOUDHSM_DIR || '/opt/cloudhsm';

async function main() {
  const cfgFile = path.join(dir, 'etc', process.env.SANDBOX_CLIENT_CONFIG || 'cloudhsm-pkcs11.cfg');
  let cfg;
  try {
    cfg = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  } catch (e) {
    fail(`CKR_GENERAL_ERROR: cannot read the configuration ${cfgFile}: ${e.code || e.message}`, 1);
  }
  const cluster = (cfg.clusters || [])[0]?.cluster || {};
  if (!fs.existsSync(cluster.hsm_ca_file || '')) fail(`CKR_DEVICE_ERROR: the trust anchor ${cluster.hsm_ca_file} was not found`, 1);
  const pin = process.env.CLOUDHSM_PIN || '';
  const at = pin.indexOf(':');
  if (at < 1) fail('CKR_PIN_INCORRECT: CLOUDHSM_PIN must be <user>:<password>', 1);
  const servers = (cluster.servers || []).map((s) => String(s.hostname));
  const session = `app-${process.pid}-${randomUUID()}`;
  try {
    const outcome = await control('hsm-cli', {
      region, servers, session, args: ['login', '--username', pin.slice(0, at), '--role', 'crypto-user'], password: pin.slice(at + 1),
    });
    process.stdout.write(`${JSON.stringify(outcome.output)}\n`);
    process.exitCode = outcome.exitCode;
  } finally {
    await control('hsm-cli-end-session', { session });
  }
}

main().catch((e) => fail(`app-login: ${e.message}`, 1));
