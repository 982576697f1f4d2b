import { CloudHSMV2Client, DeleteBackupCommand } from '@aws-sdk/client-cloudhsm-v2';

// CloudHSM v2 operations newer than the bundled @aws-sdk/client-cloudhsm-v2 (3.332.0), sent through
// that client's own machinery: the client's middleware stack signs (SigV4, service cloudhsm), retries,
// resolves the endpoint (AWS_ENDPOINT_URL_* overrides included) and maps the service's errors to the
// client's CloudHsm*Exception classes, exactly as for its generated commands. Only the AWS JSON 1.1
// target and body are this module's, taken from the published model (botocore cloudhsmv2 2017-04-28,
// test/sim/models/cloudhsmv2.json): X-Amz-Target `BaldrApiService.<Operation>`, input members
// `ResourceArn` (shape CloudHsmArn) and `Policy` (shape ResourcePolicy, 1 to 20000 characters);
// output members `ResourceArn` and `Policy`.

/** The operations this module sends (each served and model-checked by test/sim). */
export const RAW_OPERATIONS = ['GetResourcePolicy', 'PutResourcePolicy', 'DeleteResourcePolicy'] as const;
export type RawOperation = typeof RAW_OPERATIONS[number];

/** What the resource-policy operations answer (members of the model's *ResourcePolicyResponse shapes). */
export interface ResourcePolicyOutput {
  readonly ResourceArn?: string;
  readonly Policy?: string;
}

type Serialize = (input: unknown, context: any) => Promise<{ headers: Record<string, string>; body?: unknown }>;
type Deserialize = (output: { statusCode: number; headers: Record<string, string>; body: unknown }, context: any) => Promise<unknown>;

// A generated command's serializer and deserializer: the serializer builds the HTTP request for the
// client's endpoint, the deserializer turns an error response into the client's exception classes.
const generated = DeleteBackupCommand.prototype as unknown as { serialize: Serialize; deserialize: Deserialize };

/**
 * A command of the bundled client for an operation its model predates. It is one of the client's
 * generated commands (so the client's resolveMiddleware, serde and endpoint plugins apply) whose
 * request names another operation and carries the given body, and whose successful response is
 * the JSON the service returns.
 */
class RawRequest extends DeleteBackupCommand {
  constructor(operation: RawOperation, input: Record<string, unknown>) {
    super(input as never);
    // The serde plugin reads the command's serialize and deserialize when the middleware resolves.
    Object.assign(this, {
      serialize: async (_: unknown, context: unknown) => {
        const request = await generated.serialize({}, context);
        request.headers['x-amz-target'] = `BaldrApiService.${operation}`;
        request.body = JSON.stringify(input);
        return request;
      },
      deserialize: async (output: Parameters<Deserialize>[0], context: any) => {
        if (output.statusCode >= 300) return generated.deserialize(output, context);
        const text: string = context.utf8Encoder(await context.streamCollector(output.body));
        return {
          ...(text.length > 0 ? JSON.parse(text) : {}),
          $metadata: { httpStatusCode: output.statusCode, requestId: output.headers['x-amzn-requestid'] },
        };
      },
    });
  }
}

async function send(client: CloudHSMV2Client, operation: RawOperation, input: Record<string, unknown>): Promise<ResourcePolicyOutput> {
  const { $metadata, ...out } = await client.send(new RawRequest(operation, input)) as unknown as ResourcePolicyOutput & { $metadata: unknown };
  return out;
}

/** GetResourcePolicy: the policy attached to a resource (undefined Policy when there is none). */
export function getResourcePolicy(client: CloudHSMV2Client, resourceArn: string): Promise<ResourcePolicyOutput> {
  return send(client, 'GetResourcePolicy', { ResourceArn: resourceArn });
}

/** PutResourcePolicy: creates or replaces a resource's policy (a READY backup the account owns). */
export function putResourcePolicy(client: CloudHSMV2Client, resourceArn: string, policy: string): Promise<ResourcePolicyOutput> {
  return send(client, 'PutResourcePolicy', { ResourceArn: resourceArn, Policy: policy });
}

/** DeleteResourcePolicy: removes a resource's policy; answers with the policy it removed. */
export function deleteResourcePolicy(client: CloudHSMV2Client, resourceArn: string): Promise<ResourcePolicyOutput> {
  return send(client, 'DeleteResourcePolicy', { ResourceArn: resourceArn });
}
