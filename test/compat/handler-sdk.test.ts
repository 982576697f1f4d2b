// The SDK the handler runs with is the one bundled into assets/handler/index.js (the clients of
// package.json, which the tests use): the asset loads no @aws-sdk package at run time, so the
// Lambda runtime's own SDK never stands in. This drives the shipped asset against a local HTTP
// capture and checks that every CreateCluster property of HsmCluster reaches the wire, Mode and
// NetworkType included, which the bundled client's model (3.332.0) does not know.
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as path from 'path';
import { App, Duration, Stack, Tags } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { ClusterMode, HsmCluster, HsmType, NetworkType } from '../../src';
import { DEFAULT_HANDLER_PATH, loadBundledHandler } from '../harness/handler';

const ROOT = path.join(__dirname, '..', '..');
const CLIENT_DIR = path.join(ROOT, 'node_modules', '@aws-sdk', 'client-cloudhsm-v2');
const CLIENT_VERSION: string = JSON.parse(fs.readFileSync(path.join(CLIENT_DIR, 'package.json'), 'utf8')).version;

interface Captured { readonly target: string; readonly userAgent: string; readonly body: any }

/** A CloudHSM v2 endpoint that records each request: no cluster exists yet, CreateCluster succeeds. */
async function capture(): Promise<{ url: string; requests: Captured[]; close: () => void }> {
  const requests: Captured[] = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => { raw += c; });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target) {
        // EC2's query protocol (the handler's Availability Zone check, lambda/availability-zones.ts): refused
        // here, so the handler goes on without the check, as it does when EC2 cannot tell.
        requests.push({ target: `ec2 ${new URLSearchParams(raw).get('Action')}`, userAgent: String(req.headers['user-agent'] ?? ''), body: raw });
        res.writeHead(403, { 'content-type': 'text/xml' });
        res.end('<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>not served here</Message></Error></Errors><RequestID>r</RequestID></Response>');
        return;
      }
      requests.push({ target, userAgent: `${req.headers['x-amz-user-agent'] ?? ''} ${req.headers['user-agent'] ?? ''}`, body: JSON.parse(raw || '{}') });
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify(body));
      };
      if (target.endsWith('.DescribeClusters')) return reply(200, { Clusters: [] });
      if (target.endsWith('.CreateCluster')) return reply(200, { Cluster: { ClusterId: 'cluster-abcdefghijk', VpcId: 'vpc-0123456789abcdef0', State: 'CREATE_IN_PROGRESS' } });
      return reply(400, { __type: 'CloudHsmInvalidRequestException', Message: `unexpected ${target}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() };
}

/** The cluster resource's properties as CloudFormation hands them to the provider: references replaced by ids. */
function clusterProperties(): Record<string, unknown> {
  const app = new App();
  const stack = new Stack(app, 'Wire', { env: { account: '123456789012', region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, subnetConfiguration: [{ name: 'hsm', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }] });
  const cluster = new HsmCluster(stack, 'Cluster', {
    vpc,
    hsmType: HsmType.HSM2M_MEDIUM,
    mode: ClusterMode.NON_FIPS,
    networkType: NetworkType.DUALSTACK,
    backupRetention: Duration.days(45),
    sourceBackupId: 'backup-abcdefghijk',
  });
  Tags.of(cluster).add('team', 'payments');
  const [props] = Object.values(Template.fromStack(stack).findResources('Custom::CloudHsmCluster')).map((r: any) => r.Properties);
  let n = 0;
  const resolve = (v: any): any => {
    if (Array.isArray(v)) return v.map(resolve);
    if (v && typeof v === 'object') {
      if ('Ref' in v || 'Fn::GetAtt' in v) return `subnet-0${String(++n).padStart(16, '0')}`; // an id per reference
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
    }
    return v;
  };
  const { ServiceToken: _token, ...rest } = resolve(props);
  return rest;
}

describe('the bundled handler and its SDK', () => {
  test('the asset carries its AWS SDK clients: it requires no @aws-sdk package but the optional CRT signer', () => {
    const source = fs.readFileSync(DEFAULT_HANDLER_PATH, 'utf8');
    const sdkRequires = [...source.matchAll(/require\("(@aws-sdk\/[^"]+)"\)/g)].map((m) => m[1]);
    expect(sdkRequires.filter((m) => m !== '@aws-sdk/signature-v4-crt')).toEqual([]);
    expect(source).toContain(`"${CLIENT_VERSION}"`);
  });

  test(`every CreateCluster property reaches the wire with the bundled @aws-sdk/client-cloudhsm-v2 ${CLIENT_VERSION}`, async () => {
    // Mode and NetworkType came to CloudHSM after this client's release: its model has neither.
    const models = fs.readdirSync(path.join(CLIENT_DIR, 'dist-cjs', 'models')).map((f) => fs.readFileSync(path.join(CLIENT_DIR, 'dist-cjs', 'models', f), 'utf8')).join('\n');
    expect(models).not.toMatch(/NetworkType|DUALSTACK|NON_FIPS/);

    const endpoint = await capture();
    try {
      const handler = loadBundledHandler({ endpoint: endpoint.url, region: 'us-east-1' });
      const properties = clusterProperties();
      const response: any = await handler.onEvent({
        RequestType: 'Create',
        RequestId: 'wire-request-1',
        ResourceType: 'Custom::CloudHsmCluster',
        LogicalResourceId: 'Cluster',
        StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Wire/1',
        ResourceProperties: properties,
      });
      expect(response.PhysicalResourceId).toContain('wire-request-1');

      const creates = endpoint.requests.filter((r) => r.target.endsWith('.CreateCluster'));
      expect(creates).toHaveLength(1);
      // The request on the wire was made by the bundled client, not another SDK.
      expect(creates[0].userAgent).toContain(`aws-sdk-js/${CLIENT_VERSION}`);
      const body = creates[0].body;
      expect(body).toMatchObject({
        HsmType: 'hsm2m.medium',
        Mode: 'NON_FIPS',
        NetworkType: 'DUALSTACK',
        SourceBackupId: 'backup-abcdefghijk',
        BackupRetentionPolicy: { Type: 'DAYS', Value: '45' },
      });
      // The two subnets CloudFormation resolves from the VPC's references.
      expect((properties as any).SubnetIds).toHaveLength(2);
      expect(body.SubnetIds).toEqual((properties as any).SubnetIds);
      expect(body.TagList).toEqual(expect.arrayContaining([
        { Key: 'team', Value: 'payments' },
        { Key: 'cdk-cloudhsm:create-request', Value: 'wire-request-1' },
      ]));
    } finally {
      endpoint.close();
    }
  });
});
