// The `aws` CLI of the host sandbox: `aws [--region R] SERVICE OPERATION [--member value ...]
// [--query PATH] [--output text|json]` sent to the simulator. Members are the kebab-case CLI
// names of the API members (--secret-id -> SecretId); JSON values ('[...]', '{...}') are parsed.
// --query takes a dotted path with [n] indexes (SecretString, Clusters[0].State). Errors print
// the CLI's "An error occurred (Type) when calling the Op operation: message" and exit 254.
// `aws s3 cp s3://bucket/key.rpm FILE` fetches a package (the isolated-subnet install path).
'use strict';
const fs = require('node:fs');
const { awsJson, fail } = require('./common');

const SERVICES = {
  secretsmanager: ['secretsmanager.', 'secretsmanager'],
  ssm: ['AmazonSSM.', 'ssm'],
  cloudhsmv2: ['BaldrApiService.', 'cloudhsm'],
  kms: ['TrentService.', 'kms'],
};
const pascal = (kebab) => kebab.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');

function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const [name, inline] = a.slice(2).split(/=(.*)/s);
      if (inline !== undefined) options[name] = inline;
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) options[name] = argv[++i];
      else options[name] = true;
    } else {
      positional.push(a);
    }
  }
  return { positional, options };
}

function query(value, path) {
  let v = value;
  for (const part of path.match(/[^.[\]]+|\[\d+\]/g) || []) {
    if (v === undefined || v === null) return null;
    v = part.startsWith('[') ? v[Number(part.slice(1, -1))] : v[part];
  }
  return v === undefined ? null : v;
}

function text(v) {
  if (v === null) return 'None';
  if (Array.isArray(v)) return v.map(text).join('\t');
  if (typeof v === 'object') return Object.values(v).map(text).join('\t');
  return String(v);
}

// The CLI's standard retry mode (its user guide, "AWS CLI retries"): AWS_MAX_ATTEMPTS attempts in all
// (3 when unset), retrying throttling errors and HTTP 500/502/503/504. The CLI backs off exponentially
// up to 20 s; the stand-in waits milliseconds, since the simulator's clock is virtual.
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'RequestThrottledException',
  'TooManyRequestsException', 'ProvisionedThroughputExceededException', 'TransactionInProgressException',
  'RequestLimitExceeded', 'BandwidthLimitExceeded', 'LimitExceededException', 'RequestThrottled', 'SlowDown']);
const retryable = (e) => THROTTLING.has(e.type) || [500, 502, 503, 504].includes(e.status);

async function withRetries(call) {
  const attempts = Number(process.env.AWS_MAX_ATTEMPTS) >= 1 ? Number(process.env.AWS_MAX_ATTEMPTS) : 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (attempt >= attempts || !retryable(e)) throw e;
      await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt));
    }
  }
}

const GLOBAL = new Set(['region', 'output', 'query', 'endpoint-url', 'no-cli-pager', 'profile', 'debug', 'no-paginate']);

async function main() {
  const { positional, options } = parseArgs(process.argv.slice(2));
  if (options.region) process.env.AWS_REGION = options.region;
  const [service, command, ...rest] = positional;
  if (service === 's3' && command === 'cp') {
    const [source, dest] = rest;
    if (process.env.SANDBOX_NO_NETWORK === '1') fail(`fatal error: Could not connect to the endpoint URL: "https://s3.amazonaws.com/${String(source).slice(5)}"`, 1);
    if (!/^s3:\/\/[^/]+\/.+\.rpm$/.test(source || '') || !dest) fail(`fatal error: An error occurred (404) when calling the HeadObject operation: Key "${source}" does not exist`, 1);
    fs.writeFileSync(dest, `SIMULATED-RPM ${source.split('/').pop()}\n`);
    process.stdout.write(`download: ${source} to ${dest}\n`);
    return;
  }
  const svc = SERVICES[service];
  if (!svc || !command) fail(`aws: [ERROR]: the sandbox's aws stand-in serves ${Object.keys(SERVICES).join(', ')} and s3 cp; got '${positional.join(' ')}'`, 252);
  const input = {};
  for (const [name, value] of Object.entries(options)) {
    if (GLOBAL.has(name)) continue;
    let v = value;
    if (typeof v === 'string' && /^[[{]/.test(v)) v = JSON.parse(v);
    else if (typeof v === 'string' && /^\d+$/.test(v) && /^max-|timeout/.test(name)) v = Number(v);
    input[pascal(name)] = v;
  }
  const operation = pascal(command);
  let result;
  try {
    result = await withRetries(() => awsJson(svc[0], operation, input, svc[1]));
  } catch (e) {
    fail(`\nAn error occurred (${e.type || 'Error'}) when calling the ${operation} operation: ${e.message}`, e.type ? 254 : 255);
  }
  const shown = options.query ? query(result, options.query) : result;
  process.stdout.write(options.output === 'text' ? `${text(shown)}\n` : `${JSON.stringify(shown, null, 4)}\n`);
}

main().catch((e) => fail(`aws: ${e.message}`, 255));
