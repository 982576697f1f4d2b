// `curl` and `wget` of the host sandbox (argv[2] names which). The instance metadata service
// (169.254.169.254: IMDSv2 token, region, instance id) answers for the sandbox's instance; a
// URL of an .rpm package downloads the stand-in CloudHSM CLI package; any other URL is a 404.
// SANDBOX_NO_NETWORK=1 makes every non-metadata download fail as an unreachable host does.
'use strict';
const fs = require('node:fs');
const { fail, region } = require('./common');

const [tool, ...args] = process.argv.slice(2);
let output;
let url;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '-o' || a === '--output' || a === '-O' && tool === 'wget') output = args[++i];
  else if (a === '-O' && tool === 'curl') output = '';
  else if (/^-X$|^-H$|^--header$|^--request$|^-w$|^--connect-timeout$|^--max-time$|^--retry$|^--retry-delay$|^--retry-max-time$|^-m$/.test(a)) i++;
  else if (!a.startsWith('-')) url = a;
}
if (!url) fail(`${tool}: no URL specified`, 2);
const host = url.replace(/^\w+:\/\//, '').split('/')[0];

function deliver(body) {
  const name = output === '' || (output === undefined && tool === 'wget') ? url.split('/').pop() : output;
  if (name) fs.writeFileSync(name, body);
  else process.stdout.write(body);
  process.exit(0);
}

if (host === '169.254.169.254') {
  const p = url.replace(/^\w+:\/\/[^/]+/, '');
  const instanceId = process.env.SANDBOX_INSTANCE_ID || 'i-00000000000000000';
  const answers = {
    '/latest/api/token': 'sandbox-imds-token',
    '/latest/meta-data/placement/region': region,
    '/latest/meta-data/instance-id': instanceId,
    '/latest/dynamic/instance-identity/document': JSON.stringify({ region, instanceId, accountId: '123456789012' }),
  };
  if (answers[p] !== undefined) deliver(answers[p]);
  fail(tool === 'curl' ? 'curl: (22) The requested URL returned error: 404' : 'ERROR 404: Not Found.', tool === 'curl' ? 22 : 8);
}
if (process.env.SANDBOX_NO_NETWORK === '1') {
  fail(tool === 'curl' ? `curl: (6) Could not resolve host: ${host}` : `wget: unable to resolve host address '${host}'`, tool === 'curl' ? 6 : 4);
}
if (/\.rpm$/.test(url)) deliver(`SIMULATED-RPM ${url.split('/').pop()}\n`);
fail(tool === 'curl' ? 'curl: (22) The requested URL returned error: 404' : 'ERROR 404: Not Found.', tool === 'curl' ? 22 : 8);
