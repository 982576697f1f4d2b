// An unchanged redeploy of every example changes nothing: each example app is synthesized, deployed
// through the deploy harness (real bundled handler, simulator, host sandbox), synthesized again from
// scratch and deployed again. The second deployment must create, update, replace and delete no
// resource (the report's `changes`), so no custom resource gets a request and no API call is made.
// examples/dr with `recovery` (the whole DR path) is redeployed in test/harness/restore-dr.test.ts.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { activationApp } from '../../examples/activation/app';
import { basicApp } from '../../examples/basic/app';
import { drApp } from '../../examples/dr/app';
import { seedBackup } from '../fault/suite';
import { CA_ARN } from '../fixtures/activation-stack';
import { keyStoreTemplate } from '../fixtures/key-store-stack';
import { useSimWorld } from '../fixtures/sim-world';
import { DeployHarness } from '../harness/engine';
import { CfnTemplate, DeploymentReport } from '../harness/types';

const world = useSimWorld(41);

const outdir = () => mkdtempSync(path.join(tmpdir(), 'cdk-cloudhsm-noop-'));
const templateOf = (app: App, stackName: string) => app.synth().getStackByName(stackName).template as CfnTemplate;

/** Deploys `synth()`'s template, then a fresh synthesis of it; returns the second report. */
async function redeploy(stackName: string, synth: () => CfnTemplate, region = 'us-east-1'): Promise<DeploymentReport> {
  const h = new DeployHarness({ sim: world.sim, endpoint: world.server.url, stackName, region });
  const first = await h.deploy(synth());
  expect(first.outcome).toEqual({ status: 'success' });
  expect(first.changes.length).toBeGreaterThan(0);
  return h.deploy(synth());
}

/** Nothing changed: no resource, no request, no API call, no virtual time. */
function expectNothingChanged(r: DeploymentReport): void {
  expect(r.outcome).toEqual({ status: 'success' });
  expect(r.changes).toEqual([]);
  expect(r.invocations.onEvent + r.invocations.isComplete).toBe(0);
  expect(r.apiCalls).toEqual({});
  expect(r.simulatedMs).toBe(0);
}

test('examples/basic', async () => {
  expectNothingChanged(await redeploy('CloudHsmBasic', () => {
    const { app, stack } = basicApp({}, outdir());
    return templateOf(app, stack.stackName);
  }));
});

test('examples/activation', async () => {
  expectNothingChanged(await redeploy('CloudHsmActivation', () => {
    const { app, stack } = activationApp({ certificateAuthorityArn: CA_ARN }, outdir());
    return templateOf(app, stack.stackName);
  }));
});

test('examples/key-store', async () => {
  expectNothingChanged(await redeploy('CloudHsmKeyStore', () => keyStoreTemplate()));
});

test('examples/dr: both stacks', async () => {
  const backupId = seedBackup(world.sim, 'us-east-1');
  const synth = (name: string) => () => templateOf(drApp({ backupId }, outdir()).app, name);
  expectNothingChanged(await redeploy('CloudHsmDrPrimary', synth('CloudHsmDrPrimary')));
  expectNothingChanged(await redeploy('CloudHsmDrRestore', synth('CloudHsmDrRestore'), 'us-west-2'));
});

test('a changed template is reported: the changes list names the updated custom resource', async () => {
  const h = new DeployHarness({ sim: world.sim, endpoint: world.server.url, stackName: 'CloudHsmBasic' });
  const synth = (retentionDays: number) => {
    const { app, stack } = basicApp({ retentionDays }, outdir());
    return templateOf(app, stack.stackName);
  };
  await h.deploy(synth(30));
  const changed = await h.deploy(synth(31));
  expect(changed.changes).toEqual([expect.objectContaining({ resourceType: 'Custom::CloudHsmCluster', custom: true, change: 'update' })]);
});
