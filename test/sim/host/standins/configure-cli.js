// The CloudHSM CLI's configure tool (`$CLOUDHSM_DIR/bin/configure-cli`) of the host sandbox:
// `-a <HSM IP> [...]` writes those addresses; `--cluster-id <id> [--region R]` looks the
// cluster's HSM addresses up with DescribeClusters (as the tool does with the host's
// credentials); `--hsm-ca-cert <file>` names the trust anchor. It writes
// `$CLOUDHSM_DIR/etc/cloudhsm-cli.cfg` in the Client SDK 5 layout (a library's configure tool,
// configure-pkcs11 and the like, writes the file SANDBOX_CLIENT_CONFIG names). Each run appends
// its tool name and arguments to `$CLOUDHSM_DIR/run/configure-calls.jsonl`, so a test can see how a
// host was configured (by cluster id or by addresses).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { awsJson, fail } = require('./common');

const dir = process.env.CLOUDHSM_DIR || '/opt/cloudhsm';

async function main() {
  const args = process.argv.slice(2);
  const tool = process.env.SANDBOX_CLIENT_CONFIG ? `configure-${process.env.SANDBOX_CLIENT_CONFIG.replace(/^cloudhsm-|\.cfg$/g, '')}` : 'configure-cli';
  fs.mkdirSync(path.join(dir, 'run'), { recursive: true });
  fs.appendFileSync(path.join(dir, 'run', 'configure-calls.jsonl'), `${JSON.stringify({ tool, args })}\n`);
  const addresses = [];
  let clusterId;
  let ca = path.join(dir, 'etc', 'customerCA.crt');
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-a') {
      while (i + 1 < args.length && !args[i + 1].startsWith('-')) addresses.push(args[++i]);
    } else if (args[i] === '--cluster-id') {
      clusterId = args[++i];
    } else if (args[i] === '--region') {
      process.env.AWS_REGION = args[++i];
    } else if (args[i] === '--hsm-ca-cert') {
      ca = args[++i];
    }
  }
  if (addresses.length === 0 && !clusterId) fail('configure-cli: one of -a <HSM IP address> or --cluster-id <cluster id> is required', 1);
  if (clusterId) {
    let out;
    try {
      out = await awsJson('BaldrApiService.', 'DescribeClusters', { Filters: { clusterIds: [clusterId] } }, 'cloudhsm');
    } catch (e) {
      fail(`configure-cli: DescribeClusters failed: ${e.type || ''} ${e.message}`, 1);
    }
    const hsms = out.Clusters?.[0]?.Hsms || [];
    if (hsms.length === 0) fail(`configure-cli: cluster ${clusterId} has no HSM`, 1);
    addresses.push(...hsms.map((h) => h.EniIp));
  }
  const cfg = {
    clusters: [{ type: 'hsm1', cluster: { hsm_ca_file: ca, servers: addresses.map((hostname) => ({ hostname, port: 2223, enable: true })) } }],
    logging: { log_type: 'file', log_file: path.join(dir, 'run', 'cloudhsm-cli.log'), log_level: 'info', log_interval: 'daily' },
  };
  fs.mkdirSync(path.join(dir, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'etc', process.env.SANDBOX_CLIENT_CONFIG || 'cloudhsm-cli.cfg'), `${JSON.stringify(cfg, null, 2)}\n`);
}

main().catch((e) => fail(`configure-cli: ${e.message}`, 1));
