// The Python environment of the simulator's cross-checks: <repo>/.sim-venv with the packages of
// test/sim/moto-requirements.txt (moto's server and the botocore whose service models the
// simulator validates against), every version pinned. Installed on first use, again only when the
// requirements file changes (a stamp of its hash in the venv); a missing python3 or a failed install
// throws: the checks that need it fail, never skip. The simulator itself never needs Python.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

const REPO = path.resolve(__dirname, '..', '..', '..');
export const VENV = path.join(REPO, '.sim-venv');
export const REQUIREMENTS = path.join(__dirname, '..', 'moto-requirements.txt');

/** The version the requirements file pins for a package, e.g. pinned('moto[server]'). */
export function pinned(pkg: string): string {
  const escaped = pkg.replace(/[[\]]/g, '\\$&');
  const m = new RegExp(`^${escaped}==(\\S+)$`, 'm').exec(fs.readFileSync(REQUIREMENTS, 'utf8'));
  if (!m) throw new Error(`${REQUIREMENTS} pins no ${pkg}`);
  return m[1];
}

/** Runs a command; ok and its combined output. */
export function run(cmd: string, args: string[], timeoutMs: number): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/**
 * Runs `fn` holding a lock directory beside the venv: jest may run the two test files that use
 * the venv in two workers at once, and two pip installs into one folder break it. A lock older
 * than an install may take is left by a killed run and is taken over.
 */
function withInstallLock<T>(fn: () => T): T {
  const lock = `${VENV}.lock`;
  const staleMs = 15 * 60_000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > staleMs) fs.rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(pause, 0, 0, 500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** Makes .sim-venv match the requirements file; returns its python. */
export function ensureVenv(): string {
  return withInstallLock(installVenv);
}

function installVenv(): string {
  const python = path.join(VENV, 'bin', 'python');
  const stamp = path.join(VENV, '.moto-requirements.sha256');
  const wanted = createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex');
  if (fs.existsSync(python) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === wanted) return python;
  if (!fs.existsSync(python)) {
    const venv = run('python3', ['-m', 'venv', VENV], 120_000);
    if (!venv.ok) throw new Error(`python3 -m venv ${VENV} failed (python3 is required for the simulator's cross-checks):\n${venv.out}`);
  }
  const pip = run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', REQUIREMENTS], 540_000);
  if (!pip.ok) throw new Error(`pip install -r ${REQUIREMENTS} failed:\n${pip.out}`);
  fs.writeFileSync(stamp, wanted);
  return python;
}

/** The installed botocore: its version and its data directory (service models). */
export function botocore(): { version: string; dataDir: string } {
  const python = ensureVenv();
  const r = run(python, ['-c', 'import botocore, os; print(botocore.__version__); print(os.path.join(os.path.dirname(botocore.__file__), "data"))'], 60_000);
  const [version, dataDir] = r.out.trim().split('\n');
  if (!r.ok || version !== pinned('botocore')) throw new Error(`botocore ${pinned('botocore')} not usable in ${VENV} (found: ${r.out.trim()})`);
  return { version, dataDir };
}
