// The key-store example stack for the harness tests (one deployment from nothing to a CONNECTED key
// store with a KMS key) and what it needs around the simulator: the Private CA fake's CA and a host
// sandbox for the admin host (the activation's world).

import { App } from 'aws-cdk-lib';
import { CA_ARN } from './activation-stack';
import { CfnTemplate } from './harness/types';
import { KeyStoreStack, KeyStoreStackProps, keyStoreApp } from '../examples/key-store/app';

export { activationWorld as keyStoreWorld, leftOver, REGION } from './activation-stack';

/** examples/key-store with the simulator's CA; `destroyOnRemoval` makes every removal policy DESTROY. */
export function keyStoreStack(props: KeyStoreStackProps = {}): { app: App; stack: KeyStoreStack } {
  return keyStoreApp({ certificateAuthorityArn: CA_ARN, ...props }, '/tmp/cdk-cloudhsm-key-store.out');
}

/** The synthesized template of `keyStoreStack`. */
export function keyStoreTemplate(props: KeyStoreStackProps = {}): CfnTemplate {
  const { app, stack } = keyStoreStack(props);
  return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
}
