import { Annotations, ContextProvider, Stack, Token } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as cxschema from 'aws-cdk-lib/cloud-assembly-schema';
import { IConstruct } from 'constructs';

/**
 * The synth-time half of the early Availability Zone check (the deploy-time half is the cluster
 * handler's, lambda/availability-zones.ts). Where CloudHSM is offered is what EC2 answers for the
 * region's CloudHSM endpoint service, the same lookup aws-cdk-lib's interface endpoints make with
 * `lookupSupportedAzs` (the endpoint-service-availability-zones context provider). The warning uses
 * that context only when it is already there (cdk.context.json): synth never starts a lookup of
 * its own, so a stack without an account and region, or one never looked up, synthesizes as before.
 */

/** The id of the warning, to acknowledge it with `Annotations.acknowledgeWarning`. */
export const UNSUPPORTED_ZONE_WARNING = 'cdk-cloudhsm:unsupportedAvailabilityZone';

/** The zones where CloudHSM is offered, when the stack's context already holds them. */
export function knownCloudHsmZones(scope: IConstruct): string[] | undefined {
  const stack = Stack.of(scope);
  if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) return undefined;
  const { key } = ContextProvider.getKey(scope as any, {
    provider: cxschema.ContextProvider.ENDPOINT_SERVICE_AVAILABILITY_ZONE_PROVIDER,
    props: { serviceName: `com.amazonaws.${stack.region}.cloudhsmv2` },
  });
  const value = scope.node.tryGetContext(key);
  return Array.isArray(value) && value.every((z) => typeof z === 'string') ? value : undefined;
}

/** Warns about each subnet whose zone is known and is not one where CloudHSM is offered. */
export function warnUnsupportedZones(scope: IConstruct, subnets: readonly ec2.ISubnet[]): void {
  const offered = knownCloudHsmZones(scope);
  if (!offered) return;
  const outside = subnets.filter((s) => {
    const zone = s.availabilityZone;
    return typeof zone === 'string' && !Token.isUnresolved(zone) && zone !== '' && !offered.includes(zone);
  });
  if (outside.length === 0) return;
  const zones = [...new Set(outside.map((s) => s.availabilityZone))].sort();
  Annotations.of(scope).addWarningV2(UNSUPPORTED_ZONE_WARNING,
    `CloudHSM is not offered in ${zones.join(', ')} (subnets ${outside.map((s) => s.subnetId).join(', ')}), `
    + 'according to the endpoint-service lookup in this app\'s context; the deployment would fail before creating the cluster. '
    + `Choose subnets in ${[...offered].sort().join(', ')}.`);
}
