// Synth scaling: wall time and template size of N library clusters x 2 HSMs against N native
// CfnCluster resources, measured alternately in one process so both see the same machine load.
import { performance } from 'perf_hooks';
import { countType, libraryStack, nativeStack } from './templates';
import { CfnTemplate } from '../harness/types';

export interface SynthFigure {
  readonly clusters: number;
  readonly runs: number;
  readonly libraryMs: { readonly min: number; readonly median: number; readonly all: readonly number[] };
  readonly nativeMs: { readonly min: number; readonly median: number; readonly all: readonly number[] };
  readonly ratioMedian: number;
  readonly ratioMin: number;
  readonly libraryBytes: number;
  readonly nativeBytes: number;
  readonly bytesRatio: number;
  readonly libraryResources: number;
  readonly nativeResources: number;
  readonly lambdaFunctions: number;
  readonly stateMachines: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function timed(fn: () => CfnTemplate): { ms: number; template: CfnTemplate } {
  const t0 = performance.now();
  const template = fn();
  return { ms: performance.now() - t0, template };
}

const stats = (all: number[]) => ({ min: Math.min(...all), median: median(all), all });

export function synthScaling(sizes: readonly number[], runs: number, hsmsEach = 2): SynthFigure[] {
  // Warm-up: module loading and JIT are not synth time.
  libraryStack(1, hsmsEach);
  nativeStack(1);
  return sizes.map((n) => {
    const lib: number[] = [];
    const nat: number[] = [];
    let libT: CfnTemplate = {};
    let natT: CfnTemplate = {};
    for (let r = 0; r < runs; r++) {
      // Alternate the order so neither side always runs first.
      const pair = r % 2 === 0
        ? [timed(() => libraryStack(n, hsmsEach)), timed(() => nativeStack(n))]
        : [timed(() => nativeStack(n)), timed(() => libraryStack(n, hsmsEach))].reverse();
      lib.push(pair[0].ms); nat.push(pair[1].ms);
      libT = pair[0].template; natT = pair[1].template;
    }
    const libraryBytes = Buffer.byteLength(JSON.stringify(libT, undefined, 1));
    const nativeBytes = Buffer.byteLength(JSON.stringify(natT, undefined, 1));
    const l = stats(lib);
    const t = stats(nat);
    return {
      clusters: n,
      runs,
      libraryMs: l,
      nativeMs: t,
      ratioMedian: l.median / t.median,
      ratioMin: l.min / t.min,
      libraryBytes,
      nativeBytes,
      bytesRatio: libraryBytes / nativeBytes,
      libraryResources: Object.keys(libT.Resources ?? {}).length,
      nativeResources: Object.keys(natT.Resources ?? {}).length,
      lambdaFunctions: countType(libT, 'AWS::Lambda::Function'),
      stateMachines: countType(libT, 'AWS::StepFunctions::StateMachine'),
    };
  });
}
