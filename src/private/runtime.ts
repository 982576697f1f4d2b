import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The oldest Node.js major the bundled handler runs on: assets/handler/index.js is built with
 * esbuild `--target=node24` (.projenrc.ts, task `bundle`), so no older runtime may be chosen.
 */
export const HANDLER_MIN_NODE_MAJOR = 24;

/** The runtime used when the installed aws-cdk-lib names no Node.js runtime at or above the minimum. */
export const FALLBACK_RUNTIME_NAME = `nodejs${HANDLER_MIN_NODE_MAJOR}.x`;

/**
 * The handler's Lambda runtime: the newest `NODEJS_<major>_X` constant of the aws-cdk-lib the app
 * runs with, chosen at synth time. cdk-nag's AwsSolutions-L1 wants the newest Node.js runtime that
 * aws-cdk-lib knows, and that moves with every aws-cdk-lib release that adds one (nodejs26.x from
 * 2.277.0 on); a pinned runtime would be flagged in apps on a newer aws-cdk-lib than this library
 * was released with. The bundle targets Node.js 24, which runs unchanged on later majors.
 *
 * @param runtimes the class whose static members are the known runtimes (aws-cdk-lib's `lambda.Runtime`; tests pass others)
 */
export function handlerRuntime(runtimes: object = lambda.Runtime): lambda.Runtime {
  let best: { major: number; runtime: lambda.Runtime } | undefined;
  for (const key of Object.getOwnPropertyNames(runtimes)) {
    const major = Number(/^NODEJS_(\d+)_X$/.exec(key)?.[1]);
    if (!(major >= HANDLER_MIN_NODE_MAJOR)) continue;
    const runtime = (runtimes as Record<string, unknown>)[key];
    if (!(runtime instanceof lambda.Runtime) || runtime.name !== `nodejs${major}.x`) continue;
    if (!best || major > best.major) best = { major, runtime };
  }
  return best?.runtime ?? new lambda.Runtime(FALLBACK_RUNTIME_NAME, lambda.RuntimeFamily.NODEJS, { supportsInlineCode: true });
}
