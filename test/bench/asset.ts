// Handler asset: size on disk and cold import time of assets/handler/index.js (the AWS SDK clients
// bundled in) against a build of the same entry point that leaves the SDK to the Lambda runtime
// (`--external:@aws-sdk/*`, resolved here from node_modules). Each import is a fresh node process.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { median } from './synth';

const ROOT = path.join(__dirname, '..', '..');
export const SHIPPED = path.join(ROOT, 'assets', 'handler', 'index.js');

export interface AssetFigure {
  readonly shippedBytes: number;
  readonly externalSdkBytes: number;
  readonly sizeRatio: number;
  readonly runs: number;
  readonly shippedImportMs: { readonly median: number; readonly min: number; readonly all: readonly number[] };
  readonly externalSdkImportMs: { readonly median: number; readonly min: number; readonly all: readonly number[] };
  readonly nodeBaselineMs: { readonly median: number; readonly min: number; readonly all: readonly number[] };
  readonly importRatio: number;
  readonly importRatioNetOfNode: number;
  readonly esbuild: string;
}

/** Builds lambda/index.ts with the SDK left to the runtime (the flags of `npx projen bundle` plus the external). */
export function buildSdkExternal(outDir: string): string {
  const out = path.join(outDir, 'index.js');
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  execFileSync(esbuild, [
    'lambda/index.ts', '--bundle', '--platform=node', '--target=node24', '--format=cjs', '--external:@aws-sdk/*',
    '--legal-comments=none', '--minify', '--keep-names', `--outfile=${out}`, '--log-level=warning',
  ], { cwd: ROOT, stdio: 'inherit' });
  return out;
}

/** Wall time of a fresh `node -e "require(file)"`, the process start itself included. */
function coldImportMs(file: string | undefined, cwd: string): number {
  const code = file ? `require(${JSON.stringify(file)})` : '0';
  const t0 = process.hrtime.bigint();
  execFileSync(process.execPath, ['-e', code], { cwd, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export function assetFigures(runs: number): AssetFigure {
  // Inside the repository (build/ is ignored), so the SDK-external build resolves @aws-sdk/* from node_modules.
  fs.mkdirSync(path.join(ROOT, 'build'), { recursive: true });
  const tmp = fs.mkdtempSync(path.join(ROOT, 'build', 'bench-asset-'));
  try {
    const external = buildSdkExternal(tmp);
    // The shipped handler resolves nothing outside its file; the other resolves @aws-sdk/* from
    // node_modules, as it would from the Lambda runtime. Both run from the repository root.
    const a: number[] = [];
    const b: number[] = [];
    const n: number[] = [];
    for (let r = 0; r < runs; r++) {
      n.push(coldImportMs(undefined, ROOT));
      a.push(coldImportMs(SHIPPED, ROOT));
      b.push(coldImportMs(external, ROOT));
    }
    const s = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), all: xs });
    const shippedBytes = fs.statSync(SHIPPED).size;
    const externalSdkBytes = fs.statSync(external).size;
    const esbuild = execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), ['--version']).toString().trim();
    return {
      shippedBytes,
      externalSdkBytes,
      sizeRatio: shippedBytes / externalSdkBytes,
      runs,
      shippedImportMs: s(a),
      externalSdkImportMs: s(b),
      nodeBaselineMs: s(n),
      importRatio: median(a) / median(b),
      importRatioNetOfNode: (median(a) - median(n)) / (median(b) - median(n)),
      esbuild,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
