import * as path from 'path';
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { addNagSuppressions, resourceFinding } from './nag';
import { ProviderGrants } from './provider-grants';
import { handlerRuntime } from './runtime';

/** Context keys that tune the stack's provider (set in cdk.json or with `node.setContext`). */
export const QUERY_INTERVAL_CONTEXT = '@cdk-cloudhsm/provider:queryIntervalSeconds';
export const TOTAL_TIMEOUT_CONTEXT = '@cdk-cloudhsm/provider:totalTimeoutMinutes';

/** Polls every 10 s: a tenth of the quickest CloudHSM transition, at a few hundred Describe calls an hour. */
export const DEFAULT_QUERY_INTERVAL_SECONDS = 10;
/**
 * An HSM takes up to about 20 minutes to become ACTIVE; 50 minutes leaves margin and still ends
 * before CloudFormation's one-hour custom-resource limit, so the failure comes with our message.
 */
export const DEFAULT_TOTAL_TIMEOUT_MINUTES = 50;
/** The CloudFormation limit for a custom resource (`serviceTimeout`). */
export const SERVICE_TIMEOUT = Duration.seconds(3600);

const PROVIDER_ID = 'CdkCloudHsmProvider';

/** The bundled handler shipped in the package (assets/handler/index.js). */
export const HANDLER_ASSET_DIR = path.join(__dirname, '..', '..', 'assets', 'handler');

/**
 * The one custom-resource provider of a stack: onEvent and isComplete functions of the bundled
 * handler behind aws-cdk-lib's Provider framework (Step Functions waiter). Every CloudHSM construct
 * of the stack shares it; IAM statements are added once per kind of resource in use (ProviderGrants).
 */
export class CloudHsmProvider extends ProviderGrants {
  /** The stack's provider, created on first use. */
  public static of(scope: Construct): CloudHsmProvider {
    const stack = Stack.of(scope);
    const existing = stack.node.tryFindChild(PROVIDER_ID);
    return existing instanceof CloudHsmProvider ? existing : new CloudHsmProvider(stack, PROVIDER_ID);
  }

  /** The service token custom resources use. */
  public readonly serviceToken: string;
  /** The role of the onEvent and isComplete functions. */
  public readonly role: iam.Role;
  /** The polling interval of isComplete. */
  public readonly queryInterval: Duration;
  /** How long the provider waits for one resource before it fails it. */
  public readonly totalTimeout: Duration;

  private constructor(scope: Construct, id: string) {
    super(scope, id);
    const queryIntervalSeconds = numberContext(this, QUERY_INTERVAL_CONTEXT, DEFAULT_QUERY_INTERVAL_SECONDS, 1, 300);
    const totalTimeoutMinutes = numberContext(this, TOTAL_TIMEOUT_CONTEXT, DEFAULT_TOTAL_TIMEOUT_MINUTES, 1, 59);
    this.queryInterval = Duration.seconds(queryIntervalSeconds);
    this.totalTimeout = Duration.minutes(totalTimeoutMinutes);

    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = lambdaRole(this, 'HandlerRole', 'cdk-cloudhsm custom-resource handler', logGroup);
    // The framework's functions get roles of their own too: only their invoke rights and log writes,
    // instead of the managed AWSLambdaBasicExecutionRole (logs on every log group of the account).
    const frameworkOnEventRole = lambdaRole(this, 'FrameworkOnEventRole', 'cdk-cloudhsm provider framework onEvent', logGroup);
    // A second role: the waiter's functions must not share the onEvent role (dependency cycle).
    const frameworkWaiterRole = lambdaRole(this, 'FrameworkWaiterRole', 'cdk-cloudhsm provider framework isComplete and onTimeout', logGroup);

    const code = lambda.Code.fromAsset(HANDLER_ASSET_DIR);
    const runtime = handlerRuntime();
    const fn = (name: string, handler: string) => new lambda.Function(this, name, {
      code,
      handler,
      runtime,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Each invocation is one short step; the SDK's retries with backoff fit well within this.
      timeout: Duration.minutes(2),
      role: this.role,
      logGroup,
      description: `cdk-cloudhsm ${handler}`,
    });
    const onEvent = fn('OnEvent', 'index.onEvent');
    const isComplete = fn('IsComplete', 'index.isComplete');

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: onEvent,
      isCompleteHandler: isComplete,
      queryInterval: this.queryInterval,
      totalTimeout: this.totalTimeout,
      logGroup,
      frameworkOnEventRole,
      frameworkCompleteAndTimeoutRole: frameworkWaiterRole,
    });
    this.serviceToken = provider.serviceToken;
    explainFrameworkFindings(provider, [onEvent, isComplete], [frameworkOnEventRole, frameworkWaiterRole]);
  }
}

/** A role for one of the stack's functions: assumed by Lambda, allowed to write to its log group (no managed policy). */
export function lambdaRole(scope: Construct, id: string, description: string, logGroup: logs.ILogGroup): iam.Role {
  const role = new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), description });
  role.addToPrincipalPolicy(new iam.PolicyStatement({
    sid: 'WriteLogs',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [logGroup.logGroupArn],
  }));
  return role;
}

/**
 * cdk-nag suppressions for what aws-cdk-lib's Provider framework makes: invoke rights on
 * `<function ARN>:*` (its grantInvoke form) and its waiter state machine's settings.
 */
function explainFrameworkFindings(provider: cr.Provider, handlers: lambda.IFunction[], frameworkRoles: iam.Role[]): void {
  const invokeReason = (fns: lambda.IFunction[]) => ({
    id: 'AwsSolutions-IAM5',
    reason: 'lambda:InvokeFunction on `<function ARN>:*` is the form aws-cdk-lib\'s grantInvoke uses: it covers the versions and aliases of one named function of this provider, no other function.',
    appliesTo: fns.map((fn) => resourceFinding(provider, `${fn.functionArn}:*`)),
  });
  for (const role of frameworkRoles) addNagSuppressions(role.node.findChild('DefaultPolicy'), [invokeReason(handlers)]);

  const waiter = provider.node.findChild('waiter-state-machine');
  const waiterFunctions = ['framework-isComplete', 'framework-onTimeout'].map((id) => provider.node.findChild(id) as lambda.Function);
  addNagSuppressions(waiter.node.findChild('Role').node.findChild('DefaultPolicy'), [invokeReason(waiterFunctions)]);

  // aws-cdk-lib picks the framework's runtime (the newest Node.js runtime it deploys in every
  // region), which lags the newest one it knows; its code is aws-cdk-lib's, tested on that runtime.
  for (const fn of [provider.node.findChild('framework-onEvent') as lambda.Function, ...waiterFunctions]) {
    addNagSuppressions(fn, [{ id: 'AwsSolutions-L1', reason: frameworkRuntimeReason(fn) }]);
  }
  addNagSuppressions(waiter.node.findChild('Resource'), [
    {
      id: 'AwsSolutions-SF1',
      reason: 'The waiter of aws-cdk-lib\'s Provider framework only invokes this provider\'s isComplete function, which logs each CloudHSM call it makes and each state it sees to the provider\'s log group; Step Functions keeps every execution\'s history for 90 days and CloudFormation records each resource\'s outcome. Logging ALL events with execution data would also copy every custom-resource event, including CloudFormation\'s pre-signed response URL, into CloudWatch Logs.',
    },
    {
      id: 'AwsSolutions-SF2',
      reason: 'The Provider framework offers no tracing for its waiter, whose only calls are invocations of this provider\'s own functions every query interval; the handler logs each CloudHSM call with its outcome instead.',
    },
  ]);
}

/** Why a Provider framework function may run on an older Node.js runtime than the newest aws-cdk-lib knows. */
function frameworkRuntimeReason(fn: lambda.Function): string {
  // In an environment-agnostic stack the runtime may be a per-region lookup, not a name.
  const runtime = Token.isUnresolved(fn.runtime.name) ? 'per region' : fn.runtime.name;
  return [
    `A function of aws-cdk-lib's custom-resource Provider framework (${fn.node.id}): aws-cdk-lib, not cdk-cloudhsm, sets its runtime (${runtime})`,
    'with `determineLatestNodeRuntime`, the newest Node.js runtime it deploys in every region, and ships the code (framework.js) tested on it.',
    'Running that code on another runtime would be an untested combination; upgrading aws-cdk-lib moves the runtime forward.',
    'The function only relays CloudFormation events to this provider\'s own handler functions and Step Functions waiter.',
  ].join(' ');
}

function numberContext(scope: Construct, key: string, fallback: number, min: number, max: number): number {
  const raw = scope.node.tryGetContext(key);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`Context ${key}: ${JSON.stringify(raw)} is not valid; it must be a whole number from ${min} to ${max}`);
  }
  return value;
}
