import { ACMPCAClient } from '@aws-sdk/client-acm-pca';
import { CloudHSMV2Client } from '@aws-sdk/client-cloudhsm-v2';
import { EC2Client } from '@aws-sdk/client-ec2';
import { KMSClient } from '@aws-sdk/client-kms';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';

/**
 * Retries are the SDK's own: the standard strategy retries throttling and 5xx with
 * exponential backoff and jitter. Eight attempts ride out a burst of throttling
 * without pushing one onEvent/isComplete invocation past its Lambda time-out.
 */
export const MAX_ATTEMPTS = 8;

export type ClientFactory = (region?: string) => CloudHSMV2Client;

/**
 * Endpoint override: the SDK bundled in the Lambda runtime honours these variables itself;
 * older SDKs do not, so they are read here too (the simulator and tests rely on it).
 */
function endpointOverride(): string | undefined {
  return process.env.AWS_ENDPOINT_URL_CLOUDHSM_V2 || process.env.AWS_ENDPOINT_URL || undefined;
}

const clients = new Map<string, CloudHSMV2Client>();

const defaultFactory: ClientFactory = (region) => {
  const key = region ?? '';
  let client = clients.get(key);
  if (!client) {
    client = new CloudHSMV2Client({
      region,
      endpoint: endpointOverride(),
      maxAttempts: MAX_ATTEMPTS,
      retryMode: 'standard',
    });
    clients.set(key, client);
  }
  return client;
};

let factory: ClientFactory = defaultFactory;

/** The CloudHSM v2 client for a region (the function's own region when omitted). */
export function cloudHsm(region?: string): CloudHSMV2Client {
  return factory(region);
}

/** Swap the client factory (tests); call with no argument to restore the default. */
export function setClientFactory(f?: ClientFactory): void {
  factory = f ?? defaultFactory;
  clients.clear();
}

function errorName(err: unknown): string | undefined {
  return (err as { name?: string } | undefined)?.name;
}

/** The resource does not exist (any more). */
export function isNotFound(err: unknown): boolean {
  return errorName(err) === 'CloudHsmResourceNotFoundException';
}

/** The service refused the request as invalid for the resource's current state or input. */
export function isInvalidRequest(err: unknown): boolean {
  return errorName(err) === 'CloudHsmInvalidRequestException';
}

/** A service's throttling error, as the SDK classifies it (its `$retryable.throttling` trait or a throttling code). */
export function isThrottling(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: { throttling?: boolean } } | undefined;
  return e?.$retryable?.throttling === true
    || ['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded'].includes(e?.name ?? '');
}

/** The message of an error, whatever was thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The options every client of a service other than CloudHSM gets: its endpoint override, the retry policy. */
function clientOptions(endpointVariable: string) {
  return { endpoint: process.env[endpointVariable] || process.env.AWS_ENDPOINT_URL || undefined, maxAttempts: MAX_ATTEMPTS, retryMode: 'standard' };
}

let pcaClient: ACMPCAClient | undefined;

/** The AWS Private CA client (endpoint override: AWS_ENDPOINT_URL_ACM_PCA or AWS_ENDPOINT_URL). */
export function acmPca(): ACMPCAClient {
  pcaClient ??= new ACMPCAClient(clientOptions('AWS_ENDPOINT_URL_ACM_PCA'));
  return pcaClient;
}

/** Forget the Private CA client (tests that change the endpoint). */
export function resetPcaClient(): void {
  pcaClient = undefined;
}

let ssmClient: SSMClient | undefined;

/** The SSM client (endpoint override: AWS_ENDPOINT_URL_SSM or AWS_ENDPOINT_URL). */
export function ssm(): SSMClient {
  ssmClient ??= new SSMClient(clientOptions('AWS_ENDPOINT_URL_SSM'));
  return ssmClient;
}

/** Forget the SSM client (tests that change the endpoint). */
export function resetSsmClient(): void {
  ssmClient = undefined;
}

let kmsClient: KMSClient | undefined;

/** The KMS client (endpoint override: AWS_ENDPOINT_URL_KMS or AWS_ENDPOINT_URL). */
export function kms(): KMSClient {
  kmsClient ??= new KMSClient(clientOptions('AWS_ENDPOINT_URL_KMS'));
  return kmsClient;
}

/** Forget the KMS client (tests that change the endpoint). */
export function resetKmsClient(): void {
  kmsClient = undefined;
}

let secretsClient: SecretsManagerClient | undefined;

/** The Secrets Manager client for a region (endpoint override: AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL). */
export function secretsManager(region?: string): SecretsManagerClient {
  if (!secretsClient || (region !== undefined && secretsRegion !== region)) {
    secretsClient = new SecretsManagerClient({ ...clientOptions('AWS_ENDPOINT_URL_SECRETS_MANAGER'), region });
    secretsRegion = region;
  }
  return secretsClient;
}
let secretsRegion: string | undefined;

/** Forget the Secrets Manager client (tests that change the endpoint). */
export function resetSecretsManagerClient(): void {
  secretsClient = undefined;
}

let ec2Client: EC2Client | undefined;

/** The EC2 client (endpoint override: AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL). */
export function ec2(): EC2Client {
  ec2Client ??= new EC2Client(clientOptions('AWS_ENDPOINT_URL_EC2'));
  return ec2Client;
}

/** Forget the EC2 client (tests that change the endpoint). */
export function resetEc2Client(): void {
  ec2Client = undefined;
}

/**
 * Drops every cached client, so the invocation that follows starts with new ones. The current SDK
 * keeps one retry budget per client: in a warm Lambda that polls for hours, throttled calls whose
 * retries end in an ordinary error (a key store not found yet) use it up, and throttling is then no
 * longer retried at all.
 * New clients per invocation give each invocation the SDK's whole budget (test/handler/retry-budget.test.ts).
 */
export function startInvocation(): void {
  clients.clear();
  pcaClient = undefined;
  ssmClient = undefined;
  kmsClient = undefined;
  secretsClient = undefined;
  ec2Client = undefined;
}
