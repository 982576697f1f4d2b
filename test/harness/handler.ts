// Loading the bundled handler (assets/handler/index.js) as the Lambda runtime would: one module
// instance per harness, so its per-region client cache points at this harness's simulator only,
// and the environment the Lambda would have (region, endpoint, credentials) set around each call.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The user functions behind the Provider framework. */
export interface ProviderHandler {
  onEvent(event: unknown): Promise<unknown>;
  isComplete(event: unknown): Promise<unknown>;
}

export const DEFAULT_HANDLER_PATH = path.join(__dirname, '..', '..', 'assets', 'handler', 'index.js');

export interface LoadHandlerOptions {
  /** the simulator URL (http://127.0.0.1:<port>) */
  readonly endpoint: string;
  /** the Lambda's region (AWS_REGION) */
  readonly region: string;
  /** default: assets/handler/index.js */
  readonly path?: string;
  /** the access key id the handler signs with: the simulator serves an account per key (default AKIDHARNESSFAKE00000) */
  readonly accessKeyId?: string;
  /** the handler's JSON log lines (default: silenced with CDK_CLOUDHSM_QUIET=1) */
  readonly verbose?: boolean;
  /** export names of the two functions (default onEvent / isComplete) */
  readonly exportNames?: { readonly onEvent: string; readonly isComplete: string };
  /**
   * The clock the handler's own `Date` reads (the simulator's virtual clock), so that what the
   * handler measures (how long it has waited) passes as the simulator's time does. Default: real time.
   */
  readonly clock?: { now(): number };
}

/** A `Date` whose current time is the clock's; dates built from values are ordinary dates. */
function clockDate(clock: { now(): number }): DateConstructor {
  class ClockDate extends Date {
    public static now(): number {
      return clock.now();
    }

    constructor(...args: unknown[]) {
      super(...((args.length === 0 ? [clock.now()] : args) as [number]));
    }
  }
  return ClockDate as unknown as DateConstructor;
}

/**
 * Evaluates the asset's CommonJS source in a fresh module object. `require` cache tricks do not
 * work under jest (its registry is not `require.cache`), and jest.isolateModules would reload the
 * SDK every time; a fresh wrapper per harness gives fresh handler state and shares the SDK.
 */
function loadFresh(file: string, date: DateConstructor): Record<string, unknown> {
  const source = readFileSync(file, 'utf8');
  const cjs = { exports: {} as Record<string, unknown> };
  // `Date` is a parameter of the wrapper: the handler's code reads it instead of the global one.
  const wrapper = new Function('exports', 'require', 'module', '__filename', '__dirname', 'Date', source) as
    (e: unknown, r: (id: string) => unknown, m: unknown, f: string, d: string, date: DateConstructor) => void;
  // Only externals (@aws-sdk/*) and node built-ins are required; resolve them from the asset's folder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- this module's require, so jest's registry serves the SDK under jest
  const load = (id: string): unknown => require(require.resolve(id, { paths: [path.dirname(file)] }));
  wrapper(cjs.exports, load, cjs, file, path.dirname(file), date);
  return cjs.exports;
}

/**
 * Sets environment variables while calls are running and restores the previous values when the
 * last one ends (calls may overlap: a concurrent duplicate invocation).
 */
class ScopedEnv {
  private active = 0;
  private saved: Record<string, string | undefined> = {};

  constructor(private readonly vars: Record<string, string | undefined>) {}

  public async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) {
      this.saved = {};
      for (const [k, v] of Object.entries(this.vars)) {
        this.saved[k] = process.env[k];
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    try {
      return await fn();
    } finally {
      if (--this.active === 0) {
        for (const [k, v] of Object.entries(this.saved)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      }
    }
  }
}

/** A fresh instance of the bundled handler that talks to the simulator at `endpoint` only. */
export function loadBundledHandler(opts: LoadHandlerOptions): ProviderHandler {
  const file = opts.path ?? DEFAULT_HANDLER_PATH;
  const mod = loadFresh(file, opts.clock ? clockDate(opts.clock) : Date);
  const names = opts.exportNames ?? { onEvent: 'onEvent', isComplete: 'isComplete' };
  for (const n of [names.onEvent, names.isComplete]) {
    if (typeof mod[n] !== 'function') throw new Error(`${file} does not export a function ${n}`);
  }
  if (!/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/?$/.test(opts.endpoint)) {
    throw new Error(`The harness only talks to a local simulator; refusing endpoint ${opts.endpoint}`);
  }
  // The variables the Lambda runtime and the handler read. The credentials are fake (the
  // simulator does not check signatures) and win over any profile in the SDK's provider chain.
  const env: Record<string, string | undefined> = {
    AWS_REGION: opts.region,
    AWS_DEFAULT_REGION: opts.region,
    AWS_ENDPOINT_URL_CLOUDHSM_V2: opts.endpoint,
    AWS_ENDPOINT_URL: opts.endpoint,
    AWS_ACCESS_KEY_ID: opts.accessKeyId ?? 'AKIDHARNESSFAKE00000',
    AWS_SECRET_ACCESS_KEY: 'harness-fake-secret',
    AWS_SESSION_TOKEN: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_CLOUDHSM_QUIET: opts.verbose ? undefined : '1',
    // The handler runs on Lambda's Node.js 24 or newer (src/private/runtime.ts), where the SDK's
    // NodeVersionSupportWarning never fires; run here on an older local Node.js it would warn about
    // this machine, not about the Lambda. The SDK's documented opt-out silences that one warning.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const scoped = new ScopedEnv(env);
  const call = (name: string) => (event: unknown) => scoped.run(() => (mod[name] as (e: unknown) => Promise<unknown>)(event));
  return { onEvent: call(names.onEvent), isComplete: call(names.isComplete) };
}
