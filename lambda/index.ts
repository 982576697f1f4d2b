import { activationHandler } from './activation';
import { isThrottling, messageOf, startInvocation } from './aws';
import { backupCopyHandler } from './backup-copy';
import { clusterHandler } from './cluster';
import { cryptoUserHandler } from './crypto-user';
import { hsmHandler } from './hsm';
import { initializationHandler } from './initialization';
import { keyStoreHandler } from './key-store';
import { kmsKeyHandler } from './kms-key';
import { log } from './log';
import { trustAnchorHandler } from './trust-anchor';
import { IsCompleteResponse, OnEventResponse, ResourceEvent, ResourceHandler } from './types';

/** The custom resource types this handler serves, by CloudFormation resource type, with their construct names. */
const HANDLERS: Record<string, { handler: ResourceHandler; construct: string }> = {
  'Custom::CloudHsmCluster': { handler: clusterHandler, construct: 'HsmCluster' },
  'Custom::CloudHsmHsm': { handler: hsmHandler, construct: 'Hsm' },
  'Custom::CloudHsmBackupCopy': { handler: backupCopyHandler, construct: 'BackupCopy' },
  'Custom::CloudHsmClusterInitialization': { handler: initializationHandler, construct: 'ClusterInitialization' },
  'Custom::CloudHsmActivation': { handler: activationHandler, construct: 'HsmActivation' },
  'Custom::CloudHsmKmsKey': { handler: kmsKeyHandler, construct: 'HsmKey' },
  'Custom::CloudHsmKeyStore': { handler: keyStoreHandler, construct: 'HsmKeyStore' },
  'Custom::CloudHsmCryptoUser': { handler: cryptoUserHandler, construct: 'CryptoUser' },
  'Custom::CloudHsmTrustAnchor': { handler: trustAnchorHandler, construct: 'HsmClient' },
};

/**
 * Runs one step; an error that does not already say which resource failed gets its construct and
 * logical id in front, so every failure CloudFormation shows names the resource and the cause.
 */
async function run<T>(event: ResourceEvent, step: (h: ResourceHandler) => Promise<T>): Promise<T> {
  startInvocation();
  const entry = HANDLERS[event.ResourceType];
  if (!entry) throw new Error(`Unsupported resource type ${event.ResourceType} (${event.LogicalResourceId})`);
  try {
    return await step(entry.handler);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.includes(event.LogicalResourceId)) throw err;
    throw new Error(`${entry.construct} ${event.LogicalResourceId}: ${message}`);
  }
}

/** Provider framework onEvent: starts the change and returns the physical id. */
export async function onEvent(event: ResourceEvent): Promise<OnEventResponse> {
  return run(event, (h) => h.onEvent(event));
}

/** Provider framework isComplete: polled until the change has settled. */
export async function isComplete(event: ResourceEvent): Promise<IsCompleteResponse> {
  return run(event, async (h) => {
    try {
      return await h.isComplete(event);
    } catch (err) {
      // Throttling the SDK's retries did not ride out is no failure of a poll: every step finds what
      // earlier polls did and goes on from there, so the next poll reads again.
      if (!isThrottling(err)) throw err;
      log(event, 'throttled; the next poll tries again', { error: messageOf(err) });
      return { IsComplete: false };
    }
  });
}
export { rotate } from './rotation';
