import { backupCopyHandler } from './backup-copy';
import { clusterHandler } from './cluster';
import { hsmHandler } from './hsm';
import { initializationHandler } from './initialization';
import { IsCompleteResponse, OnEventResponse, ResourceEvent, ResourceHandler } from './types';

/** The custom resource types this handler serves, by CloudFormation resource type. */
const HANDLERS: Record<string, ResourceHandler> = {
  'Custom::CloudHsmCluster': clusterHandler,
  'Custom::CloudHsmHsm': hsmHandler,
  'Custom::CloudHsmBackupCopy': backupCopyHandler,
  'Custom::CloudHsmClusterInitialization': initializationHandler,
};

function handlerFor(event: ResourceEvent): ResourceHandler {
  const handler = HANDLERS[event.ResourceType];
  if (!handler) throw new Error(`Unsupported resource type ${event.ResourceType} (${event.LogicalResourceId})`);
  return handler;
}

/** Provider framework onEvent: starts the change and returns the physical id. */
export async function onEvent(event: ResourceEvent): Promise<OnEventResponse> {
  return handlerFor(event).onEvent(event);
}

/** Provider framework isComplete: polled until the change has settled. */
export async function isComplete(event: ResourceEvent): Promise<IsCompleteResponse> {
  return handlerFor(event).isComplete(event);
}
