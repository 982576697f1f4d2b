// Feeds each service model's input constraints to the simulator over HTTP: per served operation,
// one too-long, one bad-pattern, one missing-required and one bad-enum request, each built from the
// model (test/sim/models/*.json), each to be refused with the model's error code and a message that
// names the broken constraint. Where an operation's input has no member with such a constraint, the
// case says so, found by the same walk of the model. The operations the handler calls (lambda/) are
// all among the served ones.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudHsmSimulator, PrivateCaFake, SimulatorServer, startSimulatorServer } from '..';
import { RAW_OPERATIONS } from '../../../lambda/cloudhsm-raw';
import { javaPattern } from '../models/java-regex';
import { ModelShape, ServiceModel, serviceModel } from '../models/model';
import { SERVICE_SOURCES } from '../models/services';

type Kind = 'too-long' | 'bad-pattern' | 'missing-required' | 'bad-enum';
const KINDS: readonly Kind[] = ['too-long', 'bad-pattern', 'missing-required', 'bad-enum'];

/** A request that breaks one constraint, and what the refusal must say. */
interface Case {
  readonly input: Record<string, unknown>;
  readonly code: string;
  readonly expected: string;
}

/** Where a value goes: member names and list positions from the input's root. */
type Step = { member: string } | { item: true } | { entry: true };

const lower = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function coralPath(steps: readonly Step[]): string {
  return steps.map((s) => ('member' in s ? lower(s.member) : 'item' in s ? '1.member' : 'k')).join('.');
}

/** The request with `value` at `steps` (structures, lists of one item, maps of key 'k'). */
function build(steps: readonly Step[], value: unknown): Record<string, unknown> {
  let v = value;
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i];
    v = 'member' in s ? { [s.member]: v } : 'item' in s ? [v] : { k: v };
  }
  return v as Record<string, unknown>;
}

/** Every shape the input reaches, breadth first, with the steps to it. */
function reach(model: ServiceModel, input: string): Array<{ steps: Step[]; shape: ModelShape; name: string }> {
  const out: Array<{ steps: Step[]; shape: ModelShape; name: string }> = [];
  const queue: Array<{ steps: Step[]; name: string }> = [{ steps: [], name: input }];
  while (queue.length > 0) {
    const { steps, name } = queue.shift()!;
    const shape = model.shapes[name];
    out.push({ steps, shape, name });
    if (steps.length > 8) continue;
    for (const [member, target] of Object.entries(shape.members ?? {})) queue.push({ steps: [...steps, { member }], name: target });
    if (shape.member) queue.push({ steps: [...steps, { item: true }], name: shape.member });
    if (shape.value) queue.push({ steps: [...steps, { entry: true }], name: shape.value });
  }
  return out;
}

const CANDIDATES = ['!', ' ', '\n', '\u0100', '\u{1F600}', 'a', '0', '-', '/', 'aws:'];

/** A value of the shape's allowed length that its pattern refuses. */
function patternBreaker(shape: ModelShape): string | undefined {
  const re = javaPattern(shape.pattern!);
  const size = Math.max(shape.min ?? 1, 1);
  const fits = (v: string) => [...v].length >= (shape.min ?? 0) && (shape.max === undefined || [...v].length <= shape.max);
  return CANDIDATES.flatMap((c) => [c.repeat(size), c]).find((v) => fits(v) && !re.test(v));
}

function caseOf(model: ServiceModel, input: string, kind: Kind): Case | undefined {
  for (const { steps, shape } of reach(model, input)) {
    const at = coralPath(steps);
    if (kind === 'too-long' && shape.max !== undefined && ['string', 'list', 'map', 'blob'].includes(shape.type)) {
      const n = shape.max + 1;
      const value = shape.type === 'string' ? 'a'.repeat(n)
        : shape.type === 'blob' ? Buffer.alloc(n, 1).toString('base64')
          : shape.type === 'list' ? Array.from({ length: n }, () => null) : Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, null]));
      return { input: build(steps, value), code: shape.lengthError ?? model.validationError, expected: `at '${at}' failed to satisfy constraint: Member must have length less than or equal to ${shape.max}` };
    }
    if (kind === 'bad-pattern' && shape.type === 'string' && shape.pattern !== undefined) {
      const value = patternBreaker(shape);
      if (value === undefined) throw new Error(`no value found that breaks ${shape.pattern}`);
      return { input: build(steps, value), code: model.validationError, expected: `at '${at}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}` };
    }
    if (kind === 'missing-required' && shape.type === 'structure' && shape.required?.length) {
      const member = shape.required[0];
      return { input: build(steps, {}), code: model.validationError, expected: `Value null at '${coralPath([...steps, { member }])}' failed to satisfy constraint: Member must not be null` };
    }
    if (kind === 'bad-enum' && shape.type === 'string' && shape.enum !== undefined) {
      return { input: build(steps, 'NOT_A_MODEL_VALUE'), code: model.validationError, expected: `at '${at}' failed to satisfy constraint: Member must satisfy enum value set: [${shape.enum.join(', ')}]` };
    }
  }
  return undefined;
}

/** Whether any shape the input reaches carries that kind of constraint (a plain scan of the model). */
function hasConstraint(model: ServiceModel, input: string, kind: Kind): boolean {
  return reach(model, input).some(({ shape }) => ({
    'too-long': shape.max !== undefined && shape.type !== 'integer' && shape.type !== 'long',
    'bad-pattern': shape.pattern !== undefined,
    'missing-required': (shape.required?.length ?? 0) > 0,
    'bad-enum': shape.enum !== undefined,
  })[kind]);
}

let server: SimulatorServer;

beforeAll(async () => {
  const sim = new CloudHsmSimulator({ seed: 11 });
  server = await startSimulatorServer(sim, 0, new PrivateCaFake({ clock: sim.clock }));
});

afterAll(async () => {
  await server.close();
});

async function send(model: ServiceModel, operation: string, input: unknown): Promise<{ status: number; code: string | null; message: string }> {
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `${model.targetPrefix}.${operation}` },
    body: JSON.stringify(input),
  });
  const body = await res.json() as { Message?: string; message?: string };
  return { status: res.status, code: res.headers.get('x-amzn-errortype'), message: body.Message ?? body.message ?? '' };
}

for (const source of SERVICE_SOURCES) {
  const model = serviceModel(source.name);
  describe(`${source.name} model (botocore ${model.botocore}): input constraints refused with ${model.validationError}`, () => {
    test('the model holds exactly the operations the simulator serves', () => {
      expect(Object.keys(model.operations)).toEqual([...source.operations].sort());
    });
    for (const [operation, input] of Object.entries(model.operations)) {
      for (const kind of KINDS) {
        const c = input === null ? undefined : caseOf(model, input, kind);
        if (c === undefined) {
          test(`${operation}: ${kind}: no member of its input has that constraint in the model`, () => {
            expect(input === null || !hasConstraint(model, input, kind)).toBe(true);
          });
          continue;
        }
        test(`${operation}: ${kind} refused with ${c.code}`, async () => {
          const answer = await send(model, operation, c.input);
          expect({ status: answer.status, code: answer.code }).toEqual({ status: 400, code: c.code });
          expect(answer.message).toContain(c.expected);
        });
      }
    }
  });
}

test('every operation the handler calls is served and validated', () => {
  const lambda = path.resolve(__dirname, '..', '..', '..', 'lambda');
  const called = new Set<string>();
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
  for (const file of files(lambda)) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/new (\w+)Command\(/g)) called.add(m[1]);
  }
  // The operations newer than the pinned CloudHSM client, sent as raw requests of that client.
  for (const op of RAW_OPERATIONS) called.add(op);
  const served = new Set(SERVICE_SOURCES.flatMap((s) => Object.keys(serviceModel(s.name).operations)));
  // EC2's two read-only calls of the Availability Zone check are served by ../ec2.ts (query protocol)
  // without a model check yet: a known gap, listed here so that no other call joins it unnoticed.
  const ec2Sim = fs.readFileSync(path.resolve(__dirname, '..', 'ec2.ts'), 'utf8');
  const notModelChecked = ['DescribeVpcEndpointServices', 'DescribeSubnets'];
  for (const op of notModelChecked) expect(ec2Sim).toContain(op);
  expect(called.size).toBeGreaterThan(20);
  expect([...called].filter((op) => !served.has(op) && !notModelChecked.includes(op))).toEqual([]);
});
