// What the handler tests share: the environment the bundled handler runs in, CloudFormation's
// events and the shape of an AWS service error, so each test file states only its resource's part.

import { ResourceEvent } from '../../lambda/types';

export const STACK_ID = 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1';

/** The handler's environment in a test: a region, credentials that reach nothing, no log output. */
export function useHandlerEnv(): void {
  process.env.AWS_REGION = 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  process.env.CDK_CLOUDHSM_QUIET = '1';
}

/** A CloudFormation custom-resource event of one resource (the Provider framework passes these on). */
export function resourceEvent(resource: { type: string; logicalId: string; requestId: string }, requestType: ResourceEvent['RequestType'],
  props: Record<string, any>, extra: Partial<ResourceEvent> = {}): ResourceEvent {
  return {
    RequestType: requestType,
    RequestId: resource.requestId,
    ResourceType: resource.type,
    LogicalResourceId: resource.logicalId,
    StackId: STACK_ID,
    ResourceProperties: props,
    ...extra,
  };
}

/** An error as the AWS SDK throws it for a service's refusal. */
export function serviceError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: {} });
}

/** A PEM certificate around a body (tests only compare them, nothing parses them). */
export const pem = (body: string) => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;

/**
 * The parts every "admin host not online" failure must have (lambda/host-wait.ts): the resource,
 * the instance, its status, and each likely cause with the admin host property that fixes it.
 */
export function expectHostOfflineMessage(message: string, who: string, instanceId: string, status: string): void {
  expect(message.startsWith(`${who}: `)).toBe(true);
  expect(message).toContain(`the admin host ${instanceId} is not online in SSM after 15 minutes (${status})`);
  for (const part of ['no NAT gateway', 'ssm, ssmmessages, ec2messages', 'createVpcEndpoints', 'existingVpcEndpoints',
    'outbound HTTPS (TCP 443)', 'AmazonSSMManagedInstanceCore']) {
    expect(message).toContain(part);
  }
}
