// The host sandbox: runs a script with bash in a temporary directory that stands in for one
// EC2 instance. CLOUDHSM_DIR points into it, and stand-ins come first on PATH: `aws`, `curl`,
// `wget`, `dnf`, `yum`, `rpm`, `sudo`, `systemctl` (standins/). They act on the simulator over
// HTTP (AWS_ENDPOINT_URL), so a script's calls land in the same simulator the handler talks to.
// The CloudHSM CLI is not on the host until a script installs its package (or a test does,
// with installCli()). The client setup's environment file goes into the host directory too
// (CDK_CLOUDHSM_ENV_FILE), never the machine's /etc. Every run is bounded in real time: the process group is killed at the
// bound and the run reports timedOut.
// As a CommandRunner it gives each instance its own host directory, kept across runs, so what
// the user data installed is there when Run Command sends a command later.

import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CommandResult, CommandRun, CommandRunner } from '../run-command';

const STANDINS = path.join(__dirname, 'standins');
/** stand-in name -> [script, first argument] */
const BINARIES: Record<string, [string, string?]> = {
  aws: ['aws.js'],
  curl: ['fetch.js', 'curl'],
  wget: ['fetch.js', 'wget'],
  dnf: ['package.js', 'dnf'],
  yum: ['package.js', 'yum'],
  rpm: ['package.js', 'rpm'],
};
/** Kept output per stream; SSM keeps less (24,000 / 8,000 characters). */
const OUTPUT_CAP = 1024 * 1024;

/** Faults of the host, as environment the stand-ins read. */
export interface HostFaults {
  /** downloads and `aws s3 cp` fail as with no route out */
  readonly noNetwork?: boolean;
  /** package installs fail */
  readonly packageInstallFails?: boolean;
  /** the installed CloudHSM CLI crashes (a broken installation) */
  readonly cliCrashes?: boolean;
}

export interface SandboxOptions {
  /** the simulator's URL (http://127.0.0.1:<port>) */
  readonly endpoint: string;
  readonly region?: string;
  /** real-time bound of one run, ms (default 30 s); a command's executionTimeout bounds it too */
  readonly maxRunMs?: number;
  /** where host directories go (default: a new directory under the OS temp dir) */
  readonly root?: string;
}

export interface RunOptions {
  readonly timeoutMs?: number;
  readonly env?: Record<string, string>;
  /** the instance the host stands for (IMDS answers with it) */
  readonly instanceId?: string;
}

/** One simulated host: its directory, CLOUDHSM_DIR, PATH with the stand-ins. */
export class SandboxHost {
  public readonly cloudhsmDir: string;
  public readonly workDir: string;
  /** where client-setup.sh writes the application's environment (cluster id, user, secret ARN) */
  public readonly clientEnvFile: string;
  public faults: HostFaults = {};
  private readonly binDir: string;

  constructor(public readonly dir: string, private readonly options: SandboxOptions, public readonly instanceId = 'i-0000000000000000a') {
    this.cloudhsmDir = path.join(dir, 'opt', 'cloudhsm');
    this.workDir = path.join(dir, 'work');
    this.binDir = path.join(dir, 'usr', 'local', 'bin');
    this.clientEnvFile = path.join(dir, 'etc', 'cdk-cloudhsm-client.env');
    for (const d of [this.cloudhsmDir, this.workDir, this.binDir, path.dirname(this.clientEnvFile), path.join(dir, 'home'), path.join(dir, 'tmp')]) mkdirSync(d, { recursive: true });
    for (const [name, [script, arg]] of Object.entries(BINARIES)) {
      this.writeExecutable(path.join(this.binDir, name), `exec node ${JSON.stringify(path.join(STANDINS, script))}${arg ? ` ${arg}` : ''} "$@"`);
    }
    // sudo runs its command as is (options dropped); systemctl has nothing to manage here
    this.writeExecutable(path.join(this.binDir, 'sudo'), 'while [ "${1#-}" != "$1" ]; do case "$1" in -u|-g) shift;; esac; shift; done\nexec "$@"');
    this.writeExecutable(path.join(this.binDir, 'systemctl'), 'exit 0');
  }

  /** Installs the CloudHSM CLI as its package would (for tests of scripts that expect it). */
  public async installCli(): Promise<void> {
    const result = await this.run('curl -fsSL -o /tmp/p.rpm https://example.invalid/cloudhsm-cli-latest.x86_64.rpm && dnf install -y /tmp/p.rpm'
      .replace(/\/tmp\//g, `${path.join(this.dir, 'tmp')}/`));
    if (result.exitCode !== 0) throw new Error(`installing the stand-in CLI failed: ${result.stderr}`);
  }

  /** Writes a file under CLOUDHSM_DIR (e.g. etc/customerCA.crt). */
  public writeCloudHsmFile(relative: string, content: string): void {
    const file = path.join(this.cloudhsmDir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  /** Runs a script with bash in the work directory; bounded in real time. */
  public run(script: string, opts: RunOptions = {}): Promise<CommandResult> {
    const file = path.join(this.dir, 'tmp', `script-${process.hrtime.bigint()}.sh`);
    writeFileSync(file, script.endsWith('\n') ? script : `${script}\n`);
    const region = this.options.region ?? 'us-east-1';
    const env: Record<string, string> = {
      PATH: `${this.binDir}:/usr/local/bin:/usr/bin:/bin`,
      HOME: path.join(this.dir, 'home'),
      TMPDIR: path.join(this.dir, 'tmp'),
      LANG: 'C.UTF-8',
      CLOUDHSM_DIR: this.cloudhsmDir,
      CDK_CLOUDHSM_ENV_FILE: this.clientEnvFile,
      AWS_ENDPOINT_URL: this.options.endpoint,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      SANDBOX_INSTANCE_ID: opts.instanceId ?? this.instanceId,
      ...(this.faults.noNetwork ? { SANDBOX_NO_NETWORK: '1' } : {}),
      ...(this.faults.packageInstallFails ? { SANDBOX_PKG_FAIL: '1' } : {}),
      ...(this.faults.cliCrashes ? { SANDBOX_CLI_FAULT: 'crash' } : {}),
      ...opts.env,
    };
    const timeoutMs = Math.min(opts.timeoutMs ?? Infinity, this.options.maxRunMs ?? 30_000);
    return new Promise((resolve) => {
      const child = spawn('bash', [file], { cwd: this.workDir, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      child.stdout.on('data', (c: Buffer) => { if (stdout.length < OUTPUT_CAP) stdout += c.toString('utf8'); });
      child.stderr.on('data', (c: Buffer) => { if (stderr.length < OUTPUT_CAP) stderr += c.toString('utf8'); });
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL'); // the whole process group: bash and what it started
        } catch { /* already gone */ }
      }, timeoutMs);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ exitCode: code ?? (signal ? 128 + 9 : 1), stdout, stderr, ...(timedOut ? { timedOut } : {}) });
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ exitCode: 127, stdout, stderr: `${stderr}${e.message}\n` });
      });
    });
  }

  private writeExecutable(file: string, body: string): void {
    writeFileSync(file, `#!/bin/sh\n${body}\n`);
    chmodSync(file, 0o755);
  }
}

/** A host per instance id, under one temporary root; `runner` serves the simulator's Run Command. */
export class HostSandbox {
  public readonly root: string;
  private readonly hosts = new Map<string, SandboxHost>();

  constructor(private readonly options: SandboxOptions) {
    this.root = options.root ?? mkdtempSync(path.join(tmpdir(), 'cdk-cloudhsm-hosts-'));
  }

  /** The host of an instance, made on first use. */
  public host(instanceId: string): SandboxHost {
    let h = this.hosts.get(instanceId);
    if (!h) {
      h = new SandboxHost(path.join(this.root, instanceId), this.options, instanceId);
      this.hosts.set(instanceId, h);
    }
    return h;
  }

  /** Runs Run Command's commands (and user data) of an instance on its host. */
  public readonly runner: CommandRunner = (run: CommandRun) => {
    const host = this.host(run.instance.id);
    const script = run.workingDirectory ? [`cd ${JSON.stringify(run.workingDirectory)} || exit 1`, ...run.commands] : [...run.commands];
    // The host is in its instance's region (its metadata and the CLI's default region say so).
    const region = { AWS_REGION: run.instance.region, AWS_DEFAULT_REGION: run.instance.region };
    return host.run(script.join('\n'), { timeoutMs: run.executionTimeoutSeconds * 1000, instanceId: run.instance.id, env: region });
  };

  /** Removes every host directory. */
  public dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
    this.hosts.clear();
  }
}
