// The synth-time half of the early Availability Zone check: a warning only where the app's context
// already holds the zones of the Region's CloudHSM endpoint service, never a lookup of its own.
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { knownCloudHsmZones, UNSUPPORTED_ZONE_WARNING, warnUnsupportedZones } from '../../src/private/zone-warning';

const KEY = 'endpoint-service-availability-zones:account=123456789012:region=us-east-1:serviceName=com.amazonaws.us-east-1.cloudhsmv2';

function stackWith(context: Record<string, unknown>, env = true): { stack: Stack; subnets: ec2.ISubnet[] } {
  const app = new App({ context });
  const stack = new Stack(app, 'S', env ? { env: { account: '123456789012', region: 'us-east-1' } } : {});
  const subnets = ['us-east-1a', 'us-east-1e'].map((az, i) => ec2.Subnet.fromSubnetAttributes(stack, `S${i}`, { subnetId: `subnet-0000000${i}`, availabilityZone: az }));
  return { stack, subnets };
}

test('a subnet in a zone the looked-up context does not list is warned about, naming the zone', () => {
  const { stack, subnets } = stackWith({ [KEY]: ['us-east-1a', 'us-east-1b', 'us-east-1c'] });
  expect(knownCloudHsmZones(stack)).toEqual(['us-east-1a', 'us-east-1b', 'us-east-1c']);
  warnUnsupportedZones(stack, subnets);
  const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('CloudHSM is not offered in us-east-1e'));
  expect(warnings).toHaveLength(1);
  expect(String(warnings[0].entry.data)).toContain('subnet-00000001');
  expect(String(warnings[0].entry.data)).toContain(UNSUPPORTED_ZONE_WARNING);
});

test('no context, no warning and no lookup; an environment-agnostic stack is never checked', () => {
  const { stack, subnets } = stackWith({});
  warnUnsupportedZones(stack, subnets);
  expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('CloudHSM is not offered'))).toEqual([]);
  const app = stack.node.root as App;
  expect(app.synth().manifest.missing ?? []).toEqual([]);
  const agnostic = stackWith({ [KEY]: ['us-east-1a'] }, false);
  expect(knownCloudHsmZones(agnostic.stack)).toBeUndefined();
});
