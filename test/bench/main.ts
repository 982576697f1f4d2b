// `npm run bench`: deploy overhead and API cost on the simulator's virtual clock (a key store and a
// no-op redeploy among them), synth scaling
// against native CfnCluster, and the handler asset against an SDK-bundling build. Writes
// docs/benchmarks.json (raw figures) and docs/benchmarks.md. Options (environment):
//   BENCH_CLUSTER_MIN (5), BENCH_HSM_MIN (12): service timings in minutes before jitter
//   BENCH_SAMPLES (4): deploy samples per scenario; BENCH_SYNTH_RUNS (5); BENCH_IMPORT_RUNS (7)
//   BENCH_OUT (docs): output folder
// The default CloudFormation template validation of aws-cdk-lib is switched off (CDK_VALIDATION=false):
// it prints warnings for the hard-coded AZs of the benchmark VPC and is no part of either side.
process.env.CDK_VALIDATION = process.env.CDK_VALIDATION ?? 'false';

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ACTIVATION_HSMS, ActivationScenario, runActivationDeploy } from './activation';
import { assetFigures } from './asset';
import { apiCallsOf, costByResource, DeployRun, DeployScenario, runDeploy, ServiceTimings } from './deploy';
import { EMPTIED_HSMS, EmptiedRun, runEmptiedScaleUp } from './emptied';
import { FLEET_HSMS, FleetScenario, runFleetDeploy } from './fleet';
import { runKeyStoreDeploy } from './key-store';
import { renderMarkdown } from './report';
import { median, synthScaling } from './synth';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};

export const SCENARIOS: readonly DeployScenario[] = [
  { name: 'library, 5 s', intervalS: 5, delayFirstCheck: false },
  { name: 'library, 10 s (default)', intervalS: 10, delayFirstCheck: false },
  { name: 'library, 30 s', intervalS: 30, delayFirstCheck: false },
  { name: 'baseline: fixed 30 s, first check 30 s after the create call', intervalS: 30, delayFirstCheck: true },
];

/** "Add 3 HSMs to an activated cluster": the library at three intervals, serial creation, a fixed 30-s poller. */
export const FLEET_SCENARIOS: readonly FleetScenario[] = [
  { name: 'library, 5 s', intervalS: 5, delayFirstCheck: false, serial: false },
  { name: 'library, 10 s (default)', intervalS: 10, delayFirstCheck: false, serial: false },
  { name: 'library, 30 s', intervalS: 30, delayFirstCheck: false, serial: false },
  { name: 'serial creation (each HSM after the previous), 10 s', intervalS: 10, delayFirstCheck: false, serial: true },
  { name: 'baseline: fixed 30 s poller, HSMs in parallel', intervalS: 30, delayFirstCheck: true, serial: false },
];

/** "Nothing to ACTIVE with 3 HSMs": the same five models as the fleet, for one deployment with initialization and activation. */
export const ACTIVATION_SCENARIOS: readonly ActivationScenario[] = FLEET_SCENARIOS;

/** "Nothing to a CONNECTED key store with a key": the library at three intervals. */
export const KEY_STORE_SCENARIOS: readonly DeployScenario[] = SCENARIOS.filter((x) => !x.delayFirstCheck);

/** Seeded jitter so service times do not fall on whole multiples of the intervals. */
function sampleTimings(clusterMin: number, hsmMin: number, samples: number): ServiceTimings[] {
  let s = 12345;
  const rnd = () => {
    s = (s * 16807) % 2147483647;
    return (s - 1) / 2147483646;
  };
  return Array.from({ length: samples }, () => ({
    clusterCreateMs: Math.round((clusterMin * 60 + rnd() * 60) * 1000),
    hsmCreateMs: Math.round((hsmMin * 60 + (rnd() - 0.5) * 120) * 1000),
  }));
}

/** Every scenario over every timing sample, in order (one simulator each, nothing shared). */
async function runScenarios<S extends DeployScenario, R extends { ratio: number }>(
  scenarios: readonly S[], timings: readonly ServiceTimings[], run: (s: S, t: ServiceTimings) => Promise<R>, label: string, log: (m: string) => void,
): Promise<Array<{ scenario: S; runs: R[] }>> {
  const out: Array<{ scenario: S; runs: R[] }> = [];
  for (const scenario of scenarios) {
    const runs: R[] = [];
    for (const t of timings) runs.push(await run(scenario, t));
    log(`${label}: ${scenario.name}: median ratio ${median(runs.map((r) => r.ratio)).toFixed(4)}`);
    out.push({ scenario, runs });
  }
  return out;
}

async function main(): Promise<void> {
  const started = Date.now();
  const out = path.resolve(process.env.BENCH_OUT ?? path.join(__dirname, '..', '..', 'docs'));
  const params = {
    clusterMinutes: num('BENCH_CLUSTER_MIN', 5),
    hsmMinutes: num('BENCH_HSM_MIN', 12),
    samples: num('BENCH_SAMPLES', 4),
    synthRuns: num('BENCH_SYNTH_RUNS', 5),
    importRuns: num('BENCH_IMPORT_RUNS', 7),
    synthSizes: [1, 10, 100],
  };
  const log = (m: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(1)} s] ${m}`);

  const timings = sampleTimings(params.clusterMinutes, params.hsmMinutes, params.samples);
  const deploy: Array<{ scenario: DeployScenario; runs: DeployRun[] }> = [];
  for (const scenario of SCENARIOS) {
    const runs: DeployRun[] = [];
    for (const t of timings) runs.push(await runDeploy(scenario, t));
    log(`deploy: ${scenario.name}: median ratio ${median(runs.map((r) => r.ratio)).toFixed(4)}`);
    deploy.push({ scenario, runs });
  }
  const deployFigures = deploy.map(({ scenario, runs }) => {
    const first = runs[0];
    const inv = runs.map((r) => r.reports.reduce((a, rep) => a + rep.invocations.onEvent + rep.invocations.isComplete, 0));
    const describes = runs.map((r) => apiCallsOf(r).DescribeClusters ?? 0);
    const maxDescribePerInvocation = Math.max(...runs.flatMap((r) => r.invocations.map((i) => i.calls.DescribeClusters ?? 0)));
    return {
      scenario,
      ratios: runs.map((r) => r.ratio),
      ratioMedian: median(runs.map((r) => r.ratio)),
      ratioMax: Math.max(...runs.map((r) => r.ratio)),
      extraSecondsMedian: median(runs.map((r) => (r.deployMs - r.provisioningMs) / 1000)),
      samples: runs.map((r) => ({
        timings: r.timings, provisioningMs: r.provisioningMs, deployMs: r.deployMs, ratio: r.ratio, apiCalls: apiCallsOf(r),
      })),
      invocationsMedian: median(inv),
      describeClustersMedian: median(describes),
      maxDescribePerInvocation,
      maxOverlap: Math.max(...runs.flatMap((r) => r.invocations.map((i) => i.overlapping))),
      createCallsBy: first.invocations.reduce((acc, i) => {
        for (const [op, n] of Object.entries(i.calls)) if (op.startsWith('Create')) acc[`${op} in ${i.fn}`] = (acc[`${op} in ${i.fn}`] ?? 0) + n;
        return acc;
      }, {} as Record<string, number>),
      perResourceFirstSample: costByResource(first),
    };
  });

  const fleet = await runScenarios(FLEET_SCENARIOS, timings, runFleetDeploy, `add ${FLEET_HSMS} HSMs`, log);
  const serialRuns = fleet.find((x) => x.scenario.serial)!.runs;
  const fleetFigures = fleet.map(({ scenario, runs }) => ({
    scenario,
    ratioMedian: median(runs.map((r) => r.ratio)),
    ratioMax: Math.max(...runs.map((r) => r.ratio)),
    // Against serial creation measured in this run with the same service timings (sample by sample).
    vsSerialMedian: median(runs.map((r, i) => r.deployMs / serialRuns[i].deployMs)),
    deployMinutesMedian: median(runs.map((r) => r.deployMs / 60_000)),
    startSpreadSecondsMax: Math.max(...runs.map((r) => r.startSpreadMs / 1000)),
    invocationsMedian: median(runs.map((r) => r.invocations)),
    describeClustersMedian: median(runs.map((r) => r.apiCalls.DescribeClusters ?? 0)),
    createHsmMedian: median(runs.map((r) => r.apiCalls.CreateHsm ?? 0)),
  }));

  const activation = await runScenarios(ACTIVATION_SCENARIOS, timings, runActivationDeploy, `nothing to ACTIVE with ${ACTIVATION_HSMS} HSMs`, log);
  const activationSerial = activation.find((x) => x.scenario.serial)!.runs;
  const activationFigures = activation.map(({ scenario, runs }) => ({
    scenario,
    ratioMedian: median(runs.map((r) => r.ratio)),
    ratioMax: Math.max(...runs.map((r) => r.ratio)),
    vsSerialMedian: median(runs.map((r, i) => r.deployMs / activationSerial[i].deployMs)),
    deployMinutesMedian: median(runs.map((r) => r.deployMs / 60_000)),
    criticalPathMinutesMedian: median(runs.map((r) => r.criticalPathMs / 60_000)),
    extraSecondsMedian: median(runs.map((r) => (r.deployMs - r.criticalPathMs) / 1000)),
    laterHsmsSpreadSecondsMax: Math.max(...runs.map((r) => r.laterHsmsSpreadMs / 1000)),
    invocationsMedian: median(runs.map((r) => r.invocations)),
    describeClustersMedian: median(runs.map((r) => r.apiCalls.DescribeClusters ?? 0)),
    createHsmMedian: median(runs.map((r) => r.apiCalls.CreateHsm ?? 0)),
  }));

  const emptiedRuns: EmptiedRun[] = [];
  for (const t of timings) emptiedRuns.push(await runEmptiedScaleUp(10, { hsmCreateMs: t.hsmCreateMs, clusterCreateMs: t.clusterCreateMs }));
  log(`emptied 0 -> ${EMPTIED_HSMS}: median ratio ${median(emptiedRuns.map((r) => r.ratio)).toFixed(4)}`);
  const emptiedFigures = {
    hsms: EMPTIED_HSMS,
    intervalS: 10,
    ratioMedian: median(emptiedRuns.map((r) => r.ratio)),
    ratioMax: Math.max(...emptiedRuns.map((r) => r.ratio)),
    deployMinutesMedian: median(emptiedRuns.map((r) => r.deployMs / 60_000)),
    criticalPathMinutesMedian: median(emptiedRuns.map((r) => r.criticalPathMs / 60_000)),
  };
  const keyStore = await runScenarios(KEY_STORE_SCENARIOS, timings, runKeyStoreDeploy, 'nothing to a CONNECTED key store with a key', log);
  const keyStoreFigures = keyStore.map(({ scenario, runs }) => ({
    scenario,
    ratioMedian: median(runs.map((r) => r.ratio)),
    ratioMax: Math.max(...runs.map((r) => r.ratio)),
    deployMinutesMedian: median(runs.map((r) => r.deployMs / 60_000)),
    criticalPathMinutesMedian: median(runs.map((r) => r.criticalPathMs / 60_000)),
    extraSecondsMedian: median(runs.map((r) => (r.deployMs - r.criticalPathMs) / 1000)),
    keyStoreToKeyMinutesMedian: median(runs.map((r) => r.keyStoreToKeyMs / 60_000)),
    invocationsMedian: median(runs.map((r) => r.invocations)),
    apiCallsMedian: median(runs.map((r) => Object.values(r.apiCalls).reduce((a, b) => a + b, 0))),
    noopRedeploy: {
      apiCallsMax: Math.max(...runs.map((r) => r.noopRedeploy.apiCalls)),
      invocationsMax: Math.max(...runs.map((r) => r.noopRedeploy.invocations)),
      simulatedSecondsMax: Math.max(...runs.map((r) => r.noopRedeploy.simulatedMs / 1000)),
      changesMax: Math.max(...runs.map((r) => r.noopRedeploy.changes)),
    },
  }));

  log('synth scaling');
  const synth = synthScaling(params.synthSizes, params.synthRuns);
  log('handler asset');
  const asset = assetFigures(params.importRuns);

  const result = {
    generated: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` },
    params,
    deploy: deployFigures,
    fleet: fleetFigures,
    activation: activationFigures,
    emptied: emptiedFigures,
    keyStore: keyStoreFigures,
    synth,
    asset,
    wallSeconds: (Date.now() - started) / 1000,
  };
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'benchmarks.json'), JSON.stringify(result, undefined, 2) + '\n');
  fs.writeFileSync(path.join(out, 'benchmarks.md'), renderMarkdown(result));
  log(`wrote ${path.join(out, 'benchmarks.md')} and benchmarks.json`);
}

export type BenchResult = {
  generated: string;
  machine: { cpus: number; node: string; platform: string };
  params: { clusterMinutes: number; hsmMinutes: number; samples: number; synthRuns: number; importRuns: number; synthSizes: number[] };
  deploy: Array<{
    scenario: DeployScenario;
    ratios: number[];
    ratioMedian: number;
    ratioMax: number;
    extraSecondsMedian: number;
    samples: Array<{ timings: ServiceTimings; provisioningMs: number; deployMs: number; ratio: number; apiCalls: Record<string, number> }>;
    invocationsMedian: number;
    describeClustersMedian: number;
    maxDescribePerInvocation: number;
    maxOverlap: number;
    createCallsBy: Record<string, number>;
    perResourceFirstSample: ReturnType<typeof costByResource>;
  }>;
  fleet: Array<{
    scenario: FleetScenario;
    ratioMedian: number;
    ratioMax: number;
    vsSerialMedian: number;
    deployMinutesMedian: number;
    startSpreadSecondsMax: number;
    invocationsMedian: number;
    describeClustersMedian: number;
    createHsmMedian: number;
  }>;
  activation: Array<{
    scenario: ActivationScenario;
    ratioMedian: number;
    ratioMax: number;
    vsSerialMedian: number;
    deployMinutesMedian: number;
    criticalPathMinutesMedian: number;
    extraSecondsMedian: number;
    laterHsmsSpreadSecondsMax: number;
    invocationsMedian: number;
    describeClustersMedian: number;
    createHsmMedian: number;
  }>;
  /** "0 -> N HSMs on an emptied cluster" (absent from results written before it existed) */
  emptied?: {
    hsms: number;
    intervalS: number;
    ratioMedian: number;
    ratioMax: number;
    deployMinutesMedian: number;
    criticalPathMinutesMedian: number;
  };
  keyStore: Array<{
    scenario: DeployScenario;
    ratioMedian: number;
    ratioMax: number;
    deployMinutesMedian: number;
    criticalPathMinutesMedian: number;
    extraSecondsMedian: number;
    keyStoreToKeyMinutesMedian: number;
    invocationsMedian: number;
    apiCallsMedian: number;
    noopRedeploy: { apiCallsMax: number; invocationsMax: number; simulatedSecondsMax: number; changesMax: number };
  }>;
  synth: ReturnType<typeof synthScaling>;
  asset: ReturnType<typeof assetFigures>;
  wallSeconds: number;
};

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
