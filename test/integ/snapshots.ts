/**
 * Integration-test snapshots without an AWS account. Each test/integ/integ.*.ts app is synthesized
 * the way integ-runner synthesizes a snapshot (its recommended feature flags as context, its
 * placeholder account and region in the environment) into test/integ/<file>.snapshot/, asset
 * directories left out, in integ-runner's layout.
 *
 *   ts-node --transpile-only test/integ/snapshots.ts           # compare: fails when a template changed
 *   ts-node --transpile-only test/integ/snapshots.ts --update  # rewrite the committed snapshots
 *
 * The comparison covers every stack template; asset hashes are masked (the handler bundle is
 * tested on its own rungs), as integ-runner does unless a test asks for asset diffs. Results go to
 * test-reports/junit/integ-snapshots.xml.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeJUnit, TestCase } from '../parity/junit';
import { differences } from '../parity/parity';

const root = path.join(__dirname, '..', '..');
const integDir = __dirname;
/** The feature flags integ-runner sets on every snapshot synth (shipped with the pinned package). */
const FLAGS_FILE = path.join(root, 'node_modules', '@aws-cdk', 'integ-runner', 'lib', 'recommended-feature-flags.json');
/** The placeholders integ-runner puts in the environment of a snapshot synth. */
const SNAPSHOT_ENV = { CDK_INTEG_ACCOUNT: '12345678', CDK_INTEG_REGION: 'test-region' };
const ASSET_HASH = /[0-9a-f]{64}/g;

function integFiles(): string[] {
  return fs.readdirSync(integDir).filter((f) => /^integ\..+\.ts$/.test(f)).sort();
}

/** Synthesizes one integ app into `outdir` as integ-runner would, without its asset directories. */
function synth(file: string, outdir: string): void {
  const context = JSON.parse(fs.readFileSync(FLAGS_FILE, 'utf8'));
  const run = spawnSync(path.join(root, 'node_modules', '.bin', 'ts-node'), ['--transpile-only', path.join(integDir, file)], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...SNAPSHOT_ENV, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
  });
  if (run.status !== 0) throw new Error(`${file} did not synthesize:\n${run.stdout}${run.stderr}`);
  for (const entry of fs.readdirSync(outdir)) {
    if (entry.startsWith('asset.') || entry === '.cache') fs.rmSync(path.join(outdir, entry), { recursive: true, force: true });
  }
}

interface Template {
  readonly Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
}

/** The templates of an assembly by file name, asset hashes masked, assertion salts dropped. */
function templates(dir: string): Map<string, Template> {
  const out = new Map<string, Template>();
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.template.json')).sort()) {
    const template = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8').replace(ASSET_HASH, '<asset-hash>')) as Template;
    // An assertion carries the synth time as its salt, so that every deployment runs it again.
    for (const resource of Object.values(template.Resources ?? {})) {
      if (resource.Type?.startsWith('Custom::DeployAssert@') && resource.Properties) delete resource.Properties.salt;
    }
    out.set(f, template);
  }
  return out;
}

/** Every difference between the committed snapshot and the app's templates now. */
export function compareSnapshot(snapshotDir: string, actualDir: string): string[] {
  if (!fs.existsSync(snapshotDir)) return [`${path.relative(root, snapshotDir)} is missing: run \`npx projen integ:snapshot\``];
  const expected = templates(snapshotDir);
  const actual = templates(actualDir);
  const diffs: string[] = [];
  for (const name of new Set([...expected.keys(), ...actual.keys()])) {
    if (!expected.has(name)) diffs.push(`${name}: a new stack template, not in the snapshot`);
    else if (!actual.has(name)) diffs.push(`${name}: in the snapshot, no longer synthesized`);
    else diffs.push(...differences(expected.get(name), actual.get(name)).map((d) => `${name}: ${d}`));
  }
  return diffs;
}

function main(update: boolean): number {
  const cases: TestCase[] = [];
  for (const file of integFiles()) {
    const snapshotDir = path.join(integDir, `${file}.snapshot`);
    if (update) {
      fs.rmSync(snapshotDir, { recursive: true, force: true });
      synth(file, snapshotDir);
      console.log(`wrote ${path.relative(root, snapshotDir)}`);
      continue;
    }
    const actualDir = fs.mkdtempSync(path.join(os.tmpdir(), 'integ-'));
    try {
      synth(file, actualDir);
      const diffs = compareSnapshot(snapshotDir, actualDir);
      cases.push({
        name: `${file} matches its snapshot`,
        failure: diffs.length ? `${diffs.slice(0, 50).join('\n')}\nIf the change is intended: npx projen integ:snapshot` : undefined,
      });
    } catch (e) {
      cases.push({ name: `${file} matches its snapshot`, failure: String(e) });
    } finally {
      fs.rmSync(actualDir, { recursive: true, force: true });
    }
  }
  if (update) return 0;
  if (cases.length === 0) cases.push({ name: 'integration tests exist', failure: 'no test/integ/integ.*.ts' });
  writeJUnit(path.join(root, 'test-reports', 'junit', 'integ-snapshots.xml'), 'integ-snapshots', cases);
  for (const c of cases) console.log(`${c.failure === undefined ? 'ok  ' : 'FAIL'} ${c.name}${c.failure ? `\n${c.failure}` : ''}`);
  return cases.some((c) => c.failure !== undefined) ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.includes('--update'));
