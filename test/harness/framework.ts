// aws-cdk-lib's Provider framework runtime (custom-resources/lib/provider-framework/runtime/), run
// as shipped: framework.js, cfn-response.js, consts.js and util.js execute unmodified, and the
// harness answers the three calls they make outside the function (outbound.js: Lambda Invoke,
// Step Functions StartExecution, the PUT to the ResponseURL).
//
// Why replace outbound.js's functions rather than answer its SDK clients on 127.0.0.1: outbound.js
// exports them as mutable bindings that framework.js and cfn-response.js read at call time (the seam
// the framework's own tests use), so everything else runs exactly as shipped; the PUT to the
// ResponseURL goes over https to the URL's host on port 443 (cfn-response drops the URL's port),
// which a local server cannot answer without root and a certificate; and an in-process answer keeps
// every isComplete poll on virtual time without an HTTP round trip. outbound.js itself still loads
// (with the real @aws-sdk/client-lambda and client-sfn); its `https` is one that refuses every
// request, so nothing can leave the machine even if a replacement were not taken.
//
// Each instance gets its own module objects and its own `process.env`, as each Lambda function has
// its own process: concurrent requests of different providers do not see each other's variables.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** aws-cdk-lib's framework runtime directory (the package's own files, never a copy). */
export const DEFAULT_FRAMEWORK_RUNTIME_DIR = path.join(
  path.dirname(require.resolve('aws-cdk-lib/package.json')), 'custom-resources', 'lib', 'provider-framework', 'runtime');

/** What Lambda's Invoke answers (the fields the framework reads). */
export interface InvokeResponse {
  readonly StatusCode: number;
  readonly FunctionError?: string;
  readonly ExecutedVersion?: string;
  readonly Payload: Uint8Array;
}

/** The framework's calls out of its function, answered by the harness. */
export interface FrameworkOutbound {
  invokeFunction(req: { FunctionName: string; Payload: string | Uint8Array }): Promise<InvokeResponse>;
  startExecution(req: { stateMachineArn: string; input: string }): Promise<{ executionArn: string; startDate: Date }>;
  httpRequest(options: { hostname?: string; path?: string; method?: string; headers?: Record<string, unknown> }, body: string): Promise<void>;
}

/** The framework's three Lambda entry points (framework-onEvent, -isComplete, -onTimeout). */
export interface FrameworkFunctions {
  onEvent(event: unknown): Promise<void>;
  isComplete(event: unknown): Promise<void>;
  onTimeout(event: unknown): Promise<void>;
}

type ModuleFn = (exports: object, require: (id: string) => unknown, module: { exports: object },
  filename: string, dirname: string, process: NodeJS.Process, console: Console) => void;

const silentConsole = new Proxy({}, { get: () => () => undefined }) as Console;

/** An `https` module whose requests fail: the framework's own PUT must never go out. */
const refusingHttps = {
  request: () => {
    throw new Error('the deploy harness answers the framework\'s ResponseURL PUT itself; no request leaves the machine');
  },
};

/** The framework runtime of one directory, compiled once, instantiated per request. */
export class FrameworkRuntime {
  private readonly compiled = new Map<string, ModuleFn>();
  private lastModules = new Map<string, Record<string, unknown>>();
  private marker?: string;

  constructor(public readonly dir: string = DEFAULT_FRAMEWORK_RUNTIME_DIR) {
    for (const name of ['framework', 'cfn-response', 'consts', 'outbound', 'util']) this.compile(`./${name}`);
  }

  /** The physical id cfn-response reports for a create that failed before it had one. */
  public get createFailedMarker(): string {
    this.marker ??= String(this.load('./cfn-response', {}, undefined, false).CREATE_FAILED_PHYSICAL_ID_MARKER);
    return this.marker;
  }

  /**
   * A fresh instance: its own modules, `process.env` = `env`, outbound calls answered by `outbound`.
   * `verbose` lets the framework's log lines through.
   */
  public instance(env: Record<string, string>, outbound: FrameworkOutbound, verbose = false): FrameworkFunctions {
    const exports = this.load('./framework', env, outbound, verbose);
    const out = this.lastModules.get('./outbound')!;
    for (const k of ['invokeFunction', 'startExecution', 'httpRequest'] as const) {
      if (out[k] !== outbound[k]) throw new Error(`${this.dir}/outbound.js did not take the harness's ${k}`);
    }
    return exports as unknown as FrameworkFunctions;
  }

  private compile(id: string): ModuleFn {
    let fn = this.compiled.get(id);
    if (!fn) {
      const source = readFileSync(path.join(this.dir, `${id}.js`), 'utf8');
      fn = new Function('exports', 'require', 'module', '__filename', '__dirname', 'process', 'console', source) as ModuleFn;
      this.compiled.set(id, fn);
    }
    return fn;
  }

  private load(entry: string, env: Record<string, string>, outbound: FrameworkOutbound | undefined, verbose: boolean): Record<string, unknown> {
    const modules = new Map<string, Record<string, unknown>>();
    this.lastModules = modules;
    const proc = new Proxy(process, { get: (t, k) => (k === 'env' ? env : Reflect.get(t, k)) });
    const req = (id: string): unknown => {
      if (!id.startsWith('./')) {
        if (id === 'https') return refusingHttps;
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- this module's require, so jest's registry serves the SDK under jest
        return require(id);
      }
      const done = modules.get(id);
      if (done) return done;
      const mod = { exports: {} as Record<string, unknown> };
      modules.set(id, mod.exports);
      this.compile(id)(mod.exports, req, mod, path.join(this.dir, `${id}.js`), this.dir, proc, verbose ? console : silentConsole);
      modules.set(id, mod.exports);
      if (id === './outbound' && outbound) {
        // The mutable exports framework.js and cfn-response.js call through (see the top of this file).
        Object.assign(mod.exports, {
          invokeFunction: outbound.invokeFunction,
          startExecution: outbound.startExecution,
          httpRequest: outbound.httpRequest,
        });
      }
      return mod.exports;
    };
    return req(entry) as Record<string, unknown>;
  }
}
