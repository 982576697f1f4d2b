// The degradedRetries option of an HSM: how often an HSM that goes DEGRADED on create is made again.
import { Template } from 'aws-cdk-lib/assertions';
import { HsmCluster } from '../../src';
import { isolatedVpc, testStack } from '../fixtures/stack';

function cluster() {
  const stack = testStack();
  const vpc = isolatedVpc(stack, { availabilityZones: ['us-east-1a', 'us-east-1b'], cidr: '10.0.0.0/16', cidrMask: 24 });
  return { stack, cluster: new HsmCluster(stack, 'Cluster', { vpc }) };
}
const hsmProps = (stack: ReturnType<typeof testStack>) =>
  Object.values(Template.fromStack(stack).findResources('Custom::CloudHsmHsm')).map((r: any) => r.Properties);

test('given, it reaches the resource as DegradedRetries; not given, the resource has no such property (templates of earlier versions unchanged)', () => {
  const { stack, cluster: c } = cluster();
  c.addHsm('Hsm1', { degradedRetries: 3 });
  c.addHsm('Hsm2');
  const [first, second] = hsmProps(stack);
  expect(first.DegradedRetries).toBe('3');
  expect(second).not.toHaveProperty('DegradedRetries');
});

test.each([-1, 1.5, 6])('%p retries are refused at synth time, naming the property', (n) => {
  const { cluster: c } = cluster();
  expect(() => c.addHsm('Hsm1', { degradedRetries: n }))
    .toThrow(`degradedRetries (DegradedRetries): ${n} is not a whole number from 0 to 5`);
});

test('0 retries is allowed (fail at the first DEGRADED, as before)', () => {
  const { stack, cluster: c } = cluster();
  c.addHsm('Hsm1', { degradedRetries: 0 });
  expect(hsmProps(stack)[0].DegradedRetries).toBe('0');
});
