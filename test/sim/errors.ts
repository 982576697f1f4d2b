// Errors as the service reports them. The awsJson1_1 deserializer of the SDK reads the
// error code from the x-amzn-errortype header, then body.code, then body.__type, and
// cuts anything after ':' or before '#'; the server sends both header and __type, so
// `error.name` on the SDK side is exactly `type` here. Message goes in body.Message.

export type ErrorType =
  | 'CloudHsmAccessDeniedException'
  | 'CloudHsmInternalFailureException'
  | 'CloudHsmInvalidRequestException'
  | 'CloudHsmResourceNotFoundException'
  | 'CloudHsmServiceException'
  | 'CloudHsmTagException'
  // protocol-level errors every AWS JSON service can return
  | 'ThrottlingException'
  | 'SerializationException'
  | 'UnknownOperationException'
  // SSM Run Command (API reference of SendCommand, GetCommandInvocation, ListCommands,
  // ListCommandInvocations, DescribeInstanceInformation)
  | 'InvalidInstanceId'
  | 'InvalidCommandId'
  | 'InvocationDoesNotExist'
  | 'InvalidDocument'
  | 'InvalidParameters'
  | 'InvalidFilterKey'
  | 'InvalidNextToken'
  | 'InvalidInstanceInformationFilterValue'
  | 'InvalidPluginName'
  | 'DuplicateInstanceId'
  | 'InternalServerError'
  | 'ValidationException'
  // SSM Parameter Store (API reference of GetParameter)
  | 'ParameterNotFound'
  | 'ParameterVersionNotFound'
  // Secrets Manager (API reference of GetSecretValue, DescribeSecret, PutSecretValue, RotateSecret)
  | 'ResourceNotFoundException'
  | 'ResourceExistsException'
  | 'InvalidParameterException'
  | 'InvalidRequestException'
  | 'InternalServiceError'
  // KMS (API reference: custom key store operations, CreateKey, DescribeKey, ScheduleKeyDeletion,
  // tags, key policies, aliases)
  | 'CloudHsmClusterInUseException'
  | 'CloudHsmClusterInvalidConfigurationException'
  | 'CloudHsmClusterNotActiveException'
  | 'CloudHsmClusterNotFoundException'
  | 'CloudHsmClusterNotRelatedException'
  | 'CustomKeyStoreHasCMKsException'
  | 'CustomKeyStoreInvalidStateException'
  | 'CustomKeyStoreNameInUseException'
  | 'CustomKeyStoreNotFoundException'
  | 'IncorrectTrustAnchorException'
  | 'KMSInternalException'
  | 'KMSInvalidStateException'
  | 'NotFoundException'
  | 'AlreadyExistsException'
  | 'InvalidAliasNameException'
  | 'InvalidArnException'
  | 'LimitExceededException'
  | 'MalformedPolicyDocumentException'
  | 'TagException'
  | 'UnsupportedOperationException';

/** Error types answered with HTTP 500 (the SDK retries them). */
const SERVER_ERRORS: readonly ErrorType[] = ['CloudHsmInternalFailureException', 'InternalServerError', 'InternalServiceError', 'KMSInternalException'];

export class SimError extends Error {
  constructor(
    public readonly type: ErrorType,
    message: string,
    /** HTTP status: 400 for client errors, 500 for CloudHsmInternalFailureException. */
    public readonly status: number = SERVER_ERRORS.includes(type) ? 500 : 400,
  ) {
    super(message);
    this.name = type;
  }

  public toBody(): { __type: string; Message: string } {
    return { __type: this.type, Message: this.message };
  }
}

export function invalidRequest(message: string): SimError {
  return new SimError('CloudHsmInvalidRequestException', message);
}

export function notFound(message: string): SimError {
  return new SimError('CloudHsmResourceNotFoundException', message);
}

export function tagError(message: string): SimError {
  return new SimError('CloudHsmTagException', message);
}

export function internalFailure(message = 'The request was rejected because of an AWS CloudHSM internal failure. The request can be retried.'): SimError {
  return new SimError('CloudHsmInternalFailureException', message, 500);
}

export function throttling(message = 'Rate exceeded'): SimError {
  return new SimError('ThrottlingException', message, 400);
}

export function serialization(message: string): SimError {
  return new SimError('SerializationException', message);
}
