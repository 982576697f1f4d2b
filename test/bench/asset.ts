// Handler asset: size on disk and cold import time of assets/handler/index.js against a build of
// the same entry point with the AWS SDK bundled in. Each import is a fresh node process.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median } from './synth';

const ROOT = path.join(__dirname, '..', '..');
export const SHIPPED = path.join(ROOT, 'assets', 'handler', 'index.js');

export interface AssetFigure {
  readonly shippedBytes: number;
  readonly bundledSdkBytes: number;
  readonly sizeRatio: number;
  readonly runs: number;
  readonly shippedImportMs: { readonly median: number; readonly min: number; readonly all: readonly number[] };
  readonly bundledSdkImportMs: { readonly median: number; readonly min: number; readonly all: readonly number[] };
  readonly nodeBaselineMs: { readonly median: number; readonly min: number; readonly all: readonly number[] };
  readonly importRatio: number;
  readonly importRatioNetOfNode: number;
  readonly esbuild: string;
}

/** Builds lambda/index.ts with the SDK bundled in (same flags as `npx projen bundle`, minus the external). */
export function buildWithSdk(outDir: string): string {
  const out = path.join(outDir, 'index.js');
  const esbuild = path.join(ROOT, 'node_modules', '.bin', 'esbuild');
  execFileSync(esbuild, [
    'lambda/index.ts', '--bundle', '--platform=node', '--target=node22', '--format=cjs',
    '--legal-comments=none', '--minify-syntax', '--minify-whitespace', `--outfile=${out}`, '--log-level=warning',
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
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-bench-'));
  try {
    const withSdk = buildWithSdk(tmp);
    // The shipped handler resolves @aws-sdk/* from node_modules, as the Lambda runtime provides it;
    // the other resolves nothing outside its file. Both run from the repository root.
    const a: number[] = [];
    const b: number[] = [];
    const n: number[] = [];
    for (let r = 0; r < runs; r++) {
      n.push(coldImportMs(undefined, ROOT));
      a.push(coldImportMs(SHIPPED, ROOT));
      b.push(coldImportMs(withSdk, ROOT));
    }
    const s = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), all: xs });
    const shippedBytes = fs.statSync(SHIPPED).size;
    const bundledSdkBytes = fs.statSync(withSdk).size;
    const esbuild = execFileSync(path.join(ROOT, 'node_modules', '.bin', 'esbuild'), ['--version']).toString().trim();
    return {
      shippedBytes,
      bundledSdkBytes,
      sizeRatio: shippedBytes / bundledSdkBytes,
      runs,
      shippedImportMs: s(a),
      bundledSdkImportMs: s(b),
      nodeBaselineMs: s(n),
      importRatio: median(a) / median(b),
      importRatioNetOfNode: (median(a) - median(n)) / (median(b) - median(n)),
      esbuild,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
