import { Arn, ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { IHsmCluster } from './hsm';
import { auditFilterPattern, auditLogGroupName } from './private/audit-patterns';
import { hsmChainOf } from './private/hsm-chain';
import { addNagSuppressions, resourceFinding } from './private/nag';

/**
 * What the audit log metrics count, from the documented audit log format (AWS CloudHSM user guide,
 * "Interpreting AWS CloudHSM audit logs" and "AWS CloudHSM audit log reference"): each event is a
 * text record with `Opcode : <name> (<code>)` and `Response : <code>:HSM Return: SUCCESS` when the
 * command succeeded (an error response otherwise).
 */
export enum HsmAuditEvent {
  /** Logins the HSM refused (opcode CN_LOGIN with a response other than success). */
  FAILED_LOGINS = 'FAILED_LOGINS',
  /**
   * User management: users created (CN_CREATE_USER, CN_CREATE_CO), deleted (CN_DELETE_USER), a
   * password changed (CN_CHANGE_PSWD) or quorum settings changed (CN_SET_M_VALUE): the commands only
   * an admin may run.
   */
  USER_MANAGEMENT = 'USER_MANAGEMENT',
  /**
   * Key management: keys generated, imported, changed, shared, wrapped, unwrapped, derived or
   * deleted (CN_GENERATE_KEY, CN_GENERATE_KEY_PAIR, CN_CREATE_OBJECT, CN_MODIFY_OBJECT,
   * CN_DESTROY_OBJECT, CN_TOMBSTONE_OBJECT, CN_SHARE_OBJECT, CN_WRAP_KEY, CN_UNWRAP_KEY, CN_DERIVE_KEY).
   */
  KEY_MANAGEMENT = 'KEY_MANAGEMENT',
}

/** Properties of `HsmAuditLogs`. */
export interface HsmAuditLogsProps {
  /** The cluster whose audit logs these are. */
  readonly cluster: IHsmCluster;

  /**
   * How long CloudWatch Logs keeps the audit logs. CloudHSM creates the log group with no expiry;
   * this sets its retention policy with aws-cdk-lib's `logs.LogRetention` (which creates the group
   * if CloudHSM has not yet). The group is never deleted with the stack: audit logs outlive it.
   *
   * @default - the retention is not changed (CloudHSM's default: never expire)
   */
  readonly retention?: logs.RetentionDays;

  /**
   * The CloudWatch namespace of the metrics the filters publish.
   *
   * @default 'CdkCloudHsm/Audit'
   */
  readonly metricNamespace?: string;
}

/** Options of an audit alarm (`HsmAuditLogs.addAlarm`). */
export interface HsmAuditAlarmOptions {
  /**
   * How many events in one period raise the alarm.
   *
   * @default 1
   */
  readonly threshold?: number;

  /**
   * The period the events are counted over.
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;

  /**
   * The alarm's description.
   *
   * @default - what the alarm counts, on which cluster
   */
  readonly alarmDescription?: string;
}

/**
 * The audit logs of a cluster: `logGroup` (`/aws/cloudhsm/<cluster id>`, made by CloudHSM), its
 * retention, and metric filters with alarms for what security teams watch: failed logins, user
 * management, key management.
 *
 * @example
 * const audit = new HsmAuditLogs(stack, 'Audit', { cluster: cluster }); // the retention property sets how long they are kept
 * audit.addAlarm('FailedLogins', HsmAuditEvent.FAILED_LOGINS, { threshold: 1 }); // then .addAlarmAction(...) to notify
 */
export class HsmAuditLogs extends Construct {
  /** The cluster's audit log group. */
  public readonly logGroup: logs.ILogGroup;

  /** The cluster whose audit logs these are. */
  public readonly cluster: IHsmCluster;

  private readonly namespace: string;
  private readonly filters = new Map<HsmAuditEvent, cloudwatch.Metric>();
  /** What a metric filter must wait for: the log group exists (made here or by CloudHSM). */
  private readonly retention?: logs.LogRetention;

  constructor(scope: Construct, id: string, props: HsmAuditLogsProps) {
    super(scope, id);
    this.cluster = props.cluster;
    this.namespace = props.metricNamespace ?? 'CdkCloudHsm/Audit';
    const name = auditLogGroupName(props.cluster.clusterId);
    this.logGroup = (props.cluster as { auditLogGroup?: logs.ILogGroup }).auditLogGroup ?? logs.LogGroup.fromLogGroupName(this, 'LogGroup', name);
    if (props.retention !== undefined) {
      this.retention = new logs.LogRetention(this, 'Retention', {
        logGroupName: name,
        retention: props.retention,
        removalPolicy: RemovalPolicy.RETAIN,
        role: this.retentionRole(name),
      });
      explainRetentionFunction(Stack.of(this));
    }
  }

  /**
   * The number of audit events of one kind, as a CloudWatch metric (the metric filter is added on
   * first use).
   *
   * @param event what to count
   * @param options the metric's statistic, period and so on
   */
  public metric(event: HsmAuditEvent, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    let metric = this.filters.get(event);
    if (!metric) {
      const filter = new logs.MetricFilter(this, `${pascal(event)}Filter`, {
        logGroup: this.logGroup,
        filterPattern: logs.FilterPattern.literal(auditFilterPattern(event)),
        metricNamespace: this.namespace,
        metricName: pascal(event),
        metricValue: '1',
        defaultValue: 0,
      });
      // The log group must exist: made by the retention resource, or by CloudHSM for its HSMs.
      if (this.retention) filter.node.addDependency(this.retention);
      else hsmChainOf(this.cluster).onBackupMaker((r) => filter.node.addDependency(r));
      metric = filter.metric({ statistic: cloudwatch.Stats.SUM });
      this.filters.set(event, metric);
    }
    return metric.with(options);
  }

  /**
   * An alarm on one kind of audit event: in alarm when `threshold` events (1 by default) occur in
   * one period; missing data (no event) is not breaching.
   *
   * @param id the construct id of the alarm
   * @param event what to count
   * @param options threshold, period, description
   */
  public addAlarm(id: string, event: HsmAuditEvent, options: HsmAuditAlarmOptions = {}): cloudwatch.Alarm {
    return this.metric(event, { period: options.period ?? Duration.minutes(5) }).createAlarm(this, id, {
      threshold: options.threshold ?? 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: options.alarmDescription ?? `${describe(event)} in the audit logs of the CloudHSM cluster ${this.cluster.node.path}`,
    });
  }

  /** A role for aws-cdk-lib's retention function limited to this log group (instead of the managed basic execution role). */
  private retentionRole(name: string): iam.Role {
    const role = new iam.Role(this, 'RetentionRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Sets the retention of the CloudHSM audit log group of ${this.cluster.node.path} (cdk-cloudhsm)`,
    });
    const arn = Arn.format({ service: 'logs', resource: 'log-group', resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }, Stack.of(this));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy'],
      resources: [arn],
    }));
    addNagSuppressions(role.node.findChild('DefaultPolicy'), [{
      id: 'AwsSolutions-IAM5',
      reason: 'aws-cdk-lib\'s logs.LogRetention adds logs:PutRetentionPolicy and logs:DeleteRetentionPolicy on * to the role of its function (shared by every LogRetention of the stack); they only change how long log groups keep events.',
      appliesTo: [resourceFinding(this, '*')],
    }]);
    return role;
  }
}

const pascal = (event: HsmAuditEvent) => event.toLowerCase().split('_').map((w) => w[0].toUpperCase() + w.slice(1)).join('');
const describe = (event: HsmAuditEvent) => ({
  [HsmAuditEvent.FAILED_LOGINS]: 'Failed HSM logins',
  [HsmAuditEvent.USER_MANAGEMENT]: 'HSM user management (users created or deleted, passwords or quorum changed)',
  [HsmAuditEvent.KEY_MANAGEMENT]: 'HSM key management (keys generated, imported, changed, shared, wrapped or deleted)',
})[event];

/** aws-cdk-lib's one log-retention function of the stack: its runtime is aws-cdk-lib's choice. */
function explainRetentionFunction(stack: Stack): void {
  const fn = stack.node.children.find((c) => c.node.id.startsWith('LogRetention') && c.node.tryFindChild('Resource'));
  if (!fn) return;
  addNagSuppressions(fn.node.findChild('Resource'), [{
    id: 'AwsSolutions-L1',
    reason: 'aws-cdk-lib\'s log retention function (logs.LogRetention): aws-cdk-lib, not cdk-cloudhsm, sets its runtime and ships its code, tested on that runtime; it only sets the retention of the CloudHSM audit log group.',
  }]);
}
