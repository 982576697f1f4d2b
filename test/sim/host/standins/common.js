// Shared by the stand-in binaries of the host sandbox: the simulator's URL, the host's region,
// and small HTTP helpers (plain node:http, so a stand-in starts fast and loads no SDK).
'use strict';
const http = require('node:http');

const endpoint = process.env.AWS_ENDPOINT_URL || '';
const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1';

function post(path, headers, body) {
  return new Promise((resolve, reject) => {
    if (!/^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(endpoint)) {
      reject(new Error(`the sandbox only talks to a local simulator (AWS_ENDPOINT_URL=${endpoint || '(unset)'})`));
      return;
    }
    const req = http.request(`${endpoint.replace(/\/$/, '')}${path}`, { method: 'POST', headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** One AWS JSON-protocol call; the region goes in the SigV4 credential scope, as the simulator reads it. */
async function awsJson(targetPrefix, operation, input, service) {
  const res = await post('/', {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `${targetPrefix}${operation}`,
    'authorization': `AWS4-HMAC-SHA256 Credential=AKIDSANDBOX/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
  }, JSON.stringify(input));
  const body = res.text ? JSON.parse(res.text) : {};
  if (res.status !== 200) {
    const type = String(res.headers['x-amzn-errortype'] || body.__type || 'UnknownError').split(':')[0];
    const error = new Error(body.Message || body.message || '');
    error.type = type;
    error.status = res.status;
    throw error;
  }
  return body;
}

/** A control call of the simulator (what has no AWS API: the HSM side of the CLI). */
async function control(command, body) {
  const res = await post(`/_sim/${command}`, { 'content-type': 'application/json' }, JSON.stringify(body));
  const parsed = JSON.parse(res.text || '{}');
  if (res.status !== 200) throw new Error(parsed.error || `control ${command} failed`);
  return parsed;
}

function fail(message, code) {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

module.exports = { awsJson, control, fail, region };
