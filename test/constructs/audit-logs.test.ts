// Template assertions for HsmAuditLogs: the cluster's log group by name, its retention set with
// aws-cdk-lib's LogRetention (kept with the stack's deletion, a role limited to that group), and the
// metric filters and alarms. The filter patterns are checked against audit events written in the
// documented format (user guide, "Interpreting AWS CloudHSM audit logs"), with CloudWatch Logs'
// documented term semantics for unstructured events (quoted terms; `?` any of; `-` none of).
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ClusterInitialization, HsmAuditEvent, HsmAuditLogs, HsmCluster } from '../../src';
import { auditFilterPattern } from '../../src/private/audit-patterns';
import { CERTS, testStack } from '../fixtures/stack';

function build(retention?: logs.RetentionDays) {
  const stack = testStack();
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['us-east-1a', 'us-east-1b'], natGateways: 1 });
  const cluster = new HsmCluster(stack, 'Cluster', { vpc, initialization: ClusterInitialization.fromCertificates(CERTS), activation: {} });
  cluster.addHsms(2);
  const audit = new HsmAuditLogs(stack, 'Audit', { cluster, retention });
  return { stack, cluster, audit };
}

/** An audit event as the user guide shows them (one text record). */
const event = (opcode: string, response: string) => [
  'Time: 12/19/17 21:01:17.140812, usecs:1513717277140812', 'Sequence No : 0x1', 'Reboot counter : 0xe8',
  'Command Type(hex) : CN_MGMT_CMD (0x0)', `Opcode : ${opcode}`, 'Session Handle : 0x1004001', `Response : ${response}`,
  'Log type : MINIMAL_LOG_ENTRY (0)', 'User Name : app_signer', 'User Type : CN_CRYPTO_USER (1)',
].join('\n');
const OK = '0:HSM Return: SUCCESS';
const REFUSED = '163:HSM Error: RET_USER_LOGIN_FAILURE';

/** CloudWatch Logs' match of quoted terms on a text event: all plain terms, one of the `?` terms, none of the `-` terms. */
function matches(pattern: string, text: string): boolean {
  const terms = [...pattern.matchAll(/([?-]?)"([^"]*)"/g)].map((m) => ({ op: m[1], term: m[2] }));
  const any = terms.filter((t) => t.op === '?');
  return terms.filter((t) => t.op === '').every((t) => text.includes(t.term))
    && (any.length === 0 || any.some((t) => text.includes(t.term)))
    && terms.filter((t) => t.op === '-').every((t) => !text.includes(t.term));
}

describe('filter patterns against documented events', () => {
  test('failed logins: a refused CN_LOGIN only (not a successful one, not a logout)', () => {
    const p = auditFilterPattern(HsmAuditEvent.FAILED_LOGINS);
    expect(matches(p, event('CN_LOGIN (0xd)', REFUSED))).toBe(true);
    expect(matches(p, event('CN_LOGIN (0xd)', OK))).toBe(false);
    expect(matches(p, event('CN_LOGOUT (0xe)', REFUSED))).toBe(false);
  });

  test('user management: create, delete, change password; not a login or a key command', () => {
    const p = auditFilterPattern(HsmAuditEvent.USER_MANAGEMENT);
    for (const op of ['CN_CREATE_USER (0x3)', 'CN_CREATE_CO (0x4)', 'CN_DELETE_USER (0x5)', 'CN_CHANGE_PSWD (0x6)']) expect(matches(p, event(op, OK))).toBe(true);
    expect(matches(p, event('CN_LOGIN (0xd)', OK))).toBe(false);
    expect(matches(p, event('CN_GENERATE_KEY_PAIR (0x19)', OK))).toBe(false);
  });

  test('key management: generate, delete, share, wrap; CN_GENERATE_KEY does not also need CN_GENERATE_KEY_PAIR', () => {
    const p = auditFilterPattern(HsmAuditEvent.KEY_MANAGEMENT);
    for (const op of ['CN_GENERATE_KEY (0x17)', 'CN_GENERATE_KEY_PAIR (0x19)', 'CN_DESTROY_OBJECT (0x11)', 'CN_SHARE_OBJECT (0x22)', 'CN_WRAP_KEY (0x1a)']) {
      expect(matches(p, event(op, OK))).toBe(true);
    }
    expect(matches(p, event('CN_CREATE_USER (0x3)', OK))).toBe(false);
  });
});

describe('the template', () => {
  test('logGroup is /aws/cloudhsm/<cluster id>; without retention nothing is deployed for it', () => {
    const { stack, audit } = build();
    expect(stack.resolve(audit.logGroup.logGroupName)).toEqual({ 'Fn::Join': ['', ['/aws/cloudhsm/', { Ref: expect.stringMatching(/^Cluster/) }]] });
    Template.fromStack(stack).resourceCountIs('Custom::LogRetention', 0);
  });

  test('retention: aws-cdk-lib\'s LogRetention on that group, kept with the stack, its role limited to the group', () => {
    const { stack } = build(logs.RetentionDays.ONE_YEAR);
    const t = Template.fromStack(stack);
    const [retention] = Object.values(t.findResources('Custom::LogRetention')) as any[];
    expect(retention.Properties).toMatchObject({
      LogGroupName: { 'Fn::Join': ['', ['/aws/cloudhsm/', { Ref: expect.stringMatching(/^Cluster/) }]] },
      RetentionInDays: 365,
      RemovalPolicy: 'retain',
    });
    const policy = Object.values(t.findResources('AWS::IAM::Policy')).find((p: any) => JSON.stringify(p.Properties.Roles).includes('AuditRetentionRole')) as any;
    expect(JSON.stringify(policy.Properties.PolicyDocument.Statement[0].Resource)).toContain(':log-group:/aws/cloudhsm/');
  });

  test('an alarm: a metric filter counting the events (1 each), the alarm at 1 in 5 minutes, no data not breaching', () => {
    const { stack, audit } = build(logs.RetentionDays.ONE_YEAR);
    audit.addAlarm('FailedLogins', HsmAuditEvent.FAILED_LOGINS);
    audit.addAlarm('Users', HsmAuditEvent.USER_MANAGEMENT, { threshold: 2, period: Duration.minutes(1) });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Logs::MetricFilter', {
      FilterPattern: auditFilterPattern(HsmAuditEvent.FAILED_LOGINS),
      MetricTransformations: [{ MetricName: 'FailedLogins', MetricNamespace: 'CdkCloudHsm/Audit', MetricValue: '1', DefaultValue: 0 }],
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'FailedLogins',
      Namespace: 'CdkCloudHsm/Audit',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'UserManagement', Period: 60, Threshold: 2 });
    const filters = t.findResources('AWS::Logs::MetricFilter');
    expect(Object.keys(filters)).toHaveLength(2);
    for (const f of Object.values(filters) as any[]) expect(f.DependsOn).toEqual([expect.stringMatching(/^AuditRetention/)]);
  });

  test('without retention, the filters wait for the cluster\'s HSMs (CloudHSM makes the group for them)', () => {
    const { stack, audit } = build();
    audit.metric(HsmAuditEvent.KEY_MANAGEMENT);
    const t = Template.fromStack(stack);
    const [filter] = Object.values(t.findResources('AWS::Logs::MetricFilter')) as any[];
    const hsms = Object.keys(t.findResources('Custom::CloudHsmHsm'));
    expect(hsms).toHaveLength(2);
    expect(filter.DependsOn).toEqual(expect.arrayContaining(hsms));
  });
});

test('cluster.auditLogGroup is the same group HsmAuditLogs uses', () => {
  const { stack, cluster, audit } = build();
  expect(cluster.auditLogGroup).toBe(audit.logGroup);
  expect(stack.resolve(cluster.auditLogGroup.logGroupArn)).toEqual({
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:us-east-1:123456789012:log-group:/aws/cloudhsm/', { Ref: expect.stringMatching(/^Cluster/) }, ':*']],
  });
});
