// `npm run demo`'s third part, in-process: the whole road in one deployment (cluster, HSMs,
// initialization, activation, key store and KMS key, crypto user, application host configured by
// cluster id that logs in), each stage's span printed, and nothing left in the end.

import { ROAD_STAGES, runRoadDemo } from './road';
import { DEFAULT_TIMINGS } from '../sim';

test('the whole road: every stage completes in order with its simulated duration; the app host logs in; nothing is left', async () => {
  const lines: string[] = [];
  const result = await runRoadDemo({ print: (l) => lines.push(l) });
  expect(result.problems).toEqual([]);
  expect(result.ok).toBe(true);
  expect(result.reports.map((r) => r.stackStatus)).toEqual(['CREATE_COMPLETE', 'DELETE_COMPLETE']);
  expect(result.leftBehind).toEqual([]);

  // One line per stage, in the road's order, the application host last.
  const names = [...ROAD_STAGES.map((s) => s.name), 'application host'];
  expect(result.stages.map((s) => s.name)).toEqual(names);
  const stageLines = lines.slice(lines.indexOf('== stages (simulated time since the start of the deployment)') + 1).slice(0, names.length);
  expect(stageLines.map((l) => l.slice(0, 17).trim())).toEqual(names);
  const span = (name: string) => result.stages.find((s) => s.name === name)!;
  for (const s of result.stages) expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
  // The road's dependencies: the first HSM before the initialization, then the activation; the key
  // store and the crypto user after it; the host once the user exists; the key in the connected store.
  expect(span('initialization').startMs).toBeGreaterThanOrEqual(span('cluster').endMs + DEFAULT_TIMINGS.hsmCreateMs);
  expect(span('activation').startMs).toBeGreaterThanOrEqual(span('initialization').endMs);
  expect(span('crypto user').startMs).toBeGreaterThanOrEqual(span('activation').endMs);
  expect(span('key store').startMs).toBeGreaterThanOrEqual(span('activation').endMs);
  expect(span('KMS key').startMs).toBeGreaterThanOrEqual(span('key store').endMs);
  expect(span('application host').startMs).toBeGreaterThanOrEqual(span('crypto user').endMs);
  expect(span('application host').endMs - span('application host').startMs).toBe(DEFAULT_TIMINGS.instanceBootMs);
  expect(lines).toContainEqual(expect.stringMatching(/^application host .*Client SDK configured by cluster id yes; logged in as crypto user signer yes$/));
  expect(lines).toContainEqual(expect.stringMatching(/ ACTIVE, HSMs ACTIVE in us-east-1a, ACTIVE in us-east-1b; key store CONNECTED; KMS key arn:aws:kms:/));
  expect(lines).toContainEqual(expect.stringMatching(/^left in the simulator: nothing \(besides \d+ backups the service made/));
  expect(lines[lines.length - 1]).toBe('road demo OK');
}, 300_000);
