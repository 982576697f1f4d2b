/**
 * The slice of the custom-resource Provider framework contract the handlers use
 * (aws-cdk-lib/custom-resources: onEvent + isComplete).
 */
export type RequestType = 'Create' | 'Update' | 'Delete';

export interface ResourceEvent {
  readonly RequestType: RequestType;
  readonly RequestId: string;
  readonly ResourceType: string;
  readonly LogicalResourceId: string;
  readonly StackId: string;
  /** Absent on Create; on isComplete it is the id onEvent returned. */
  readonly PhysicalResourceId?: string;
  /** CloudFormation passes every scalar as a string. */
  readonly ResourceProperties: Record<string, any>;
  readonly OldResourceProperties?: Record<string, any>;
}

export interface OnEventResponse {
  readonly PhysicalResourceId?: string;
  readonly Data?: Record<string, string>;
}

export interface IsCompleteResponse {
  readonly IsComplete: boolean;
  /**
   * Replaces the physical id onEvent returned (the framework merges this response over the event):
   * used when the real id is known only once the resource exists.
   */
  readonly PhysicalResourceId?: string;
  readonly Data?: Record<string, string>;
}

/** One custom resource type: the functions the dispatcher calls. */
export interface ResourceHandler {
  onEvent(event: ResourceEvent): Promise<OnEventResponse>;
  isComplete(event: ResourceEvent): Promise<IsCompleteResponse>;
}

export const NOT_COMPLETE: IsCompleteResponse = { IsComplete: false };
