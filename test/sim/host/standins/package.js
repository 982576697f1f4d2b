// `dnf`, `yum` and `rpm` of the host sandbox (argv[2] names which). Installing a stand-in
// CloudHSM CLI package (a file a stand-in download wrote) puts cloudhsm-cli and configure-cli
// into $CLOUDHSM_DIR/bin and a default configuration into $CLOUDHSM_DIR/etc, as the package
// does; a stand-in Client SDK 5 library package (cloudhsm-pkcs11, cloudhsm-jce, cloudhsm-dyn) puts
// its configure tool (configure-<lib>, writing cloudhsm-<lib>.cfg) and `app-login-<lib>` (the
// application's login through that library, see app-login.js) there; other package names install
// nothing and succeed. SANDBOX_PKG_FAIL=1 makes every
// install fail (a broken repository or package).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { fail } = require('./common');

const [tool, ...args] = process.argv.slice(2);
const dir = process.env.CLOUDHSM_DIR || '/opt/cloudhsm';
const verbs = tool === 'rpm' ? args.filter((a) => /^-[a-zA-Z]*[iU]/.test(a)) : args.filter((a) => /^(install|localinstall|reinstall)$/.test(a));
if (verbs.length === 0) process.exit(0); // queries, makecache, update: nothing to do here
if (process.env.SANDBOX_PKG_FAIL === '1') fail(`Error: Failed to download metadata for repo 'amazonlinux': Cannot download repomd.xml`, 1);
const targets = args.filter((a) => !a.startsWith('-') && !/^(install|localinstall|reinstall)$/.test(a));
for (const t of targets) {
  if (!/\.rpm$/.test(t)) continue; // a repository package: nothing the sandbox needs
  if (!fs.existsSync(t)) fail(tool === 'rpm' ? `error: open of ${t} failed: No such file or directory` : `Error: Can not load RPM file: ${t}.`, 1);
  const content = fs.readFileSync(t, 'utf8');
  if (!content.startsWith('SIMULATED-RPM ')) fail(`error: ${t}: not an rpm package`, 1);
  const library = /^SIMULATED-RPM cloudhsm-(pkcs11|jce|dyn)-/.exec(content)?.[1];
  if (library) {
    installLibrary(library);
    continue;
  }
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
  for (const bin of ['cloudhsm-cli', 'configure-cli']) {
    const file = path.join(dir, 'bin', bin);
    fs.writeFileSync(file, `#!/bin/sh\nexec node ${JSON.stringify(path.join(__dirname, `${bin}.js`))} "$@"\n`);
    fs.chmodSync(file, 0o755);
  }
  const cfg = { clusters: [{ type: 'hsm1', cluster: { hsm_ca_file: path.join(dir, 'etc', 'customerCA.crt'), servers: [] } }] };
  fs.writeFileSync(path.join(dir, 'etc', 'cloudhsm-cli.cfg'), `${JSON.stringify(cfg, null, 2)}\n`);
}
process.stdout.write('Complete!\n');

/** A Client SDK 5 library: its configure tool (the CLI's, writing the library's file) and the application's login. */
function installLibrary(library) {
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
  const env = `SANDBOX_CLIENT_CONFIG=cloudhsm-${library}.cfg`;
  for (const [bin, js] of [[`configure-${library}`, 'configure-cli.js'], [`app-login-${library}`, 'app-login.js']]) {
    const file = path.join(dir, 'bin', bin);
    fs.writeFileSync(file, `#!/bin/sh\n${env} exec node ${JSON.stringify(path.join(__dirname, js))} "$@"\n`);
    fs.chmodSync(file, 0o755);
  }
}
