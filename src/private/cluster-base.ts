import { Arn, Resource, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { hsmChainOf } from './hsm-chain';
import { checkHsmCount } from './rules';
import { Hsm, HsmOptions, IHsmCluster } from '../hsm';

/** The TCP ports clients use to reach the HSMs of a cluster. */
export const HSM_CLIENT_PORT_RANGE = ec2.Port.tcpRange(2223, 2225);

/** The metrics CloudHSM publishes, with the statistic that summarises each best. */
const METRIC_STATISTICS: Record<string, string> = {
  HsmUnhealthy: 'Sum',
  HsmTemperature: 'Average',
  HsmKeysSessionOccupied: 'Sum',
  HsmKeysTokenOccupied: 'Sum',
  HsmSessionCount: 'Sum',
  HsmUsersAvailable: 'Sum',
  HsmUsersMax: 'Maximum',
  InterfaceEth2OctetsInput: 'Sum',
  InterfaceEth2OctetsOutput: 'Sum',
};

/**
 * What imported and created clusters share: grants, metrics, connections.
 *
 * @internal a hidden base class: jsii copies its members into HsmCluster
 */
export abstract class HsmClusterBase extends Resource implements IHsmCluster {
  public abstract readonly clusterId: string;
  public abstract readonly clusterArn: string;
  public abstract readonly securityGroup: ec2.ISecurityGroup;
  public abstract readonly connections: ec2.Connections;
  public abstract readonly subnets: ec2.ISubnet[];

  public addHsm(id: string, options: HsmOptions = {}): Hsm {
    return new Hsm(this, id, { ...options, cluster: this });
  }

  public addHsms(count: number, idPrefix: string = 'Hsm'): Hsm[] {
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(`HsmCluster ${this.node.path}: addHsms count: ${count} is not a whole number of at least 1`);
    }
    const tooMany = checkHsmCount('addHsms count', hsmChainOf(this).count + count, this.node.path);
    if (tooMany) throw new Error(`HsmCluster ${this.node.path}: ${tooMany}`);
    return Array.from({ length: count }, (_, i) => this.addHsm(`${idPrefix}${i + 1}`));
  }

  public grant(grantee: iam.IGrantable, ...actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: actions.map((a) => (a.includes(':') ? a : `cloudhsm:${a}`)),
      resourceArns: [this.clusterArn],
    });
  }

  public grantDescribe(grantee: iam.IGrantable): iam.Grant {
    // DescribeClusters supports no resource-level permissions; ListTags does.
    return iam.Grant.addToPrincipal({ grantee, actions: ['cloudhsm:DescribeClusters'], resourceArns: ['*'] })
      .combine(this.grant(grantee, 'cloudhsm:ListTags'));
  }

  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/CloudHSM',
      metricName,
      statistic: METRIC_STATISTICS[metricName] ?? 'Average',
      ...props,
      dimensionsMap: { ClusterId: this.clusterId, ...props?.dimensionsMap },
    }).attachTo(this);
  }

  /** Number of unhealthy HSMs (HsmUnhealthy, Sum): alarm on anything above 0. */
  public metricHsmUnhealthy(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HsmUnhealthy', props);
  }

  /** HSM processor temperature in degrees Celsius (HsmTemperature, Average). */
  public metricHsmTemperature(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HsmTemperature', props);
  }

  /** Session keys in use (HsmKeysSessionOccupied, Sum). */
  public metricHsmKeysSessionOccupied(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HsmKeysSessionOccupied', props);
  }

  /** Token (persistent) keys in use (HsmKeysTokenOccupied, Sum). */
  public metricHsmKeysTokenOccupied(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HsmKeysTokenOccupied', props);
  }

  /** Open client sessions (HsmSessionCount, Sum). */
  public metricHsmSessionCount(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HsmSessionCount', props);
  }

  /** HSM users that can still be created (HsmUsersAvailable, Sum). */
  public metricHsmUsersAvailable(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HsmUsersAvailable', props);
  }

  /** The maximum number of HSM users (HsmUsersMax, Maximum). */
  public metricHsmUsersMax(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('HsmUsersMax', props);
  }

  /** Bytes received by the HSMs' network interface (InterfaceEth2OctetsInput, Sum). */
  public metricInterfaceEth2OctetsInput(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('InterfaceEth2OctetsInput', props);
  }

  /** Bytes sent by the HSMs' network interface (InterfaceEth2OctetsOutput, Sum). */
  public metricInterfaceEth2OctetsOutput(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('InterfaceEth2OctetsOutput', props);
  }
}

/** The ARN of a cluster, in the stack's partition, Region and account. */
export function clusterArnOf(scope: Construct, clusterId: string): string {
  return Arn.format({ service: 'cloudhsm', resource: 'cluster', resourceName: clusterId }, Stack.of(scope));
}
