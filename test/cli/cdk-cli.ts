// Runs the real CDK CLI (the `aws-cdk` package, pinned in devDependencies) on an example app the
// way a user does, with no AWS credentials anywhere it could find them.
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const root = path.join(__dirname, '..', '..');

/** The CLI releases under test: the newest 2.x and the only 3.x (the aliased `aws-cdk-3`). */
export const CLIS = {
  v2: path.join(root, 'node_modules', 'aws-cdk', 'bin', 'cdk'),
  v3: path.join(root, 'node_modules', 'aws-cdk-3', 'bin', 'cdk'),
} as const;

export interface SynthResult {
  readonly status: number | null;
  /** stdout and stderr together. */
  readonly output: string;
  /** The cloud assembly folder the CLI was told to use. */
  readonly outdir: string;
}

/**
 * An environment with no credentials: no AWS_* variables, a fresh HOME (no ~/.aws), config and
 * credentials files that do not exist and no instance metadata service, so any AWS call fails.
 */
export function credentialFreeEnv(extraPath: string[] = []): NodeJS.ProcessEnv {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-cloudhsm-home-'));
  return {
    PATH: [...extraPath, path.join(root, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter),
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    // Keep npm's and Maven's caches where they were; they hold packages, not credentials.
    npm_config_cache: path.join(os.homedir(), '.npm'),
  };
}

/** Another app command than cdk.json's, PATH entries in front, extra environment variables. */
export interface SynthOptions { readonly app?: string; readonly extraPath?: string[]; readonly env?: NodeJS.ProcessEnv }

/** The CLI's arguments and credential-free environment for a synth into a new temporary output folder. */
function synthInvocation(cli: keyof typeof CLIS, options: SynthOptions) {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `cdk-cloudhsm-cli-${cli}-`));
  const args = [CLIS[cli], 'synth', '--quiet', '--output', outdir, ...(options.app ? ['--app', options.app] : [])];
  const env = { ...credentialFreeEnv(options.extraPath), ...options.env };
  return { outdir, args, env };
}

/** `cdk synth` in `cwd` (its cdk.json and cdk.context.json apply) into a new temporary output folder. */
export function cdkSynth(cli: keyof typeof CLIS, cwd: string, options: SynthOptions = {}): SynthResult {
  const { outdir, args, env } = synthInvocation(cli, options);
  try {
    const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}${r.error ? String(r.error) : ''}`, outdir };
  } finally {
    fs.rmSync(env.HOME!, { recursive: true, force: true });
  }
}

/**
 * `cdkSynth` without blocking: several apps can synthesize side by side (each spends most of its
 * time in its own jsii runtime or compiler process).
 */
export function cdkSynthAsync(cli: keyof typeof CLIS, cwd: string, options: SynthOptions = {}): Promise<SynthResult> {
  const { outdir, args, env } = synthInvocation(cli, options);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, env, timeout: 600_000 });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const done = (status: number | null, error?: Error) => {
      fs.rmSync(env.HOME!, { recursive: true, force: true });
      resolve({ status, output: `${output}${error ? String(error) : ''}`, outdir });
    };
    child.on('error', (e) => done(null, e));
    child.on('close', (code) => done(code));
  });
}

/** The stacks of a cloud assembly's manifest with their templates. */
export function assemblyStacks(outdir: string): Record<string, any> {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
  const stacks: Record<string, any> = {};
  for (const [id, artifact] of Object.entries<any>(manifest.artifacts ?? {})) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    stacks[id] = JSON.parse(fs.readFileSync(path.join(outdir, artifact.properties.templateFile), 'utf8'));
  }
  return stacks;
}

/** The Availability Zones of the template's subnets. */
export function subnetAzs(template: any): string[] {
  return Object.values<any>(template.Resources ?? {})
    .filter((r) => r.Type === 'AWS::EC2::Subnet')
    .map((r) => r.Properties.AvailabilityZone)
    .sort();
}

/** The logical-id-free list of resource types of a template, for presence checks. */
export function resourceTypes(template: any): string[] {
  return Object.values<any>(template.Resources ?? {}).map((r) => r.Type);
}
