// Extracts, from the pinned botocore's service models, the input constraints of the operations the
// simulator serves (required members, lengths, ranges, patterns, enums, types, nested shapes) into
// compact JSON under test/sim/models/, which the simulator validates every request against.
//   npx ts-node test/sim/models/generate.ts          writes the files
//   npx ts-node test/sim/models/generate.ts --check  fails when a committed file differs
// test/sim/tests/models.test.ts runs the check, so the models and the simulator cannot drift apart.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ModelShape, ServiceModel } from './model';
import { SERVICE_SOURCES, ServiceSource } from './services';
import { botocore } from './venv';

/** The JSON shapes of botocore's service-2.json this reads. */
interface BotoShape {
  readonly type: string;
  readonly required?: string[];
  readonly members?: Record<string, { shape: string; documentation?: string }>;
  readonly member?: { shape: string };
  readonly key?: { shape: string };
  readonly value?: { shape: string };
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: string[];
  readonly sensitive?: boolean;
  readonly exception?: boolean;
}

interface BotoModel {
  readonly metadata: { apiVersion: string; targetPrefix?: string; protocol: string };
  readonly operations: Record<string, { input?: { shape: string } }>;
  readonly shapes: Record<string, BotoShape>;
}

export const MODELS_DIR = __dirname;

function readBotoModel(dataDir: string, service: string): BotoModel {
  const dir = path.join(dataDir, service);
  const version = fs.readdirSync(dir).sort().pop()!;
  const file = path.join(dir, version, 'service-2.json');
  const raw = fs.existsSync(file) ? fs.readFileSync(file) : gunzipSync(fs.readFileSync(`${file}.gz`));
  return JSON.parse(raw.toString('utf8')) as BotoModel;
}

const plain = (html: string | undefined) => (html ?? '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');

function compactShape(s: BotoShape): ModelShape {
  const out: Record<string, unknown> = { type: s.type };
  if (s.type === 'structure') {
    out.members = Object.fromEntries(Object.entries(s.members ?? {}).map(([name, m]) => [name, m.shape]));
    if (s.required?.length) out.required = [...s.required];
  }
  if (s.member) out.member = s.member.shape;
  if (s.key) out.key = s.key.shape;
  if (s.value) out.value = s.value.shape;
  for (const k of ['min', 'max', 'pattern', 'enum'] as const) if (s[k] !== undefined) out[k] = s[k];
  if (s.sensitive) out.sensitive = true;
  return out as unknown as ModelShape;
}

/** The compact model of one service: its served operations' inputs and every shape they reach. */
export function buildModel(source: ServiceSource, boto: BotoModel, botocoreVersion: string): ServiceModel {
  const shapes: Record<string, ModelShape> = {};
  const visit = (name: string): void => {
    if (shapes[name]) return;
    const s = boto.shapes[name];
    if (!s) throw new Error(`${source.name}: shape ${name} is not in the model`);
    shapes[name] = compactShape(s);
    for (const next of [...Object.values(s.members ?? {}).map((m) => m.shape), s.member?.shape, s.key?.shape, s.value?.shape]) {
      if (next) visit(next);
    }
  };
  const operations: Record<string, string | null> = {};
  for (const op of [...source.operations].sort()) {
    const o = boto.operations[op];
    if (!o) throw new Error(`${source.name}: the simulator serves ${op}, which the model does not have`);
    operations[op] = o.input?.shape ?? null;
    if (o.input) visit(o.input.shape);
  }
  for (const le of source.lengthErrors ?? []) {
    const documented = Object.values(boto.shapes).some((s) => Object.values(s.members ?? {})
      .some((m) => m.shape === le.shape && plain(m.documentation).includes(le.cite)));
    if (!documented) throw new Error(`${source.name}: no member of shape ${le.shape} documents "${le.cite}" any more`);
    if (!shapes[le.shape]) throw new Error(`${source.name}: ${le.shape} is not an input shape of a served operation`);
    shapes[le.shape] = { ...shapes[le.shape], lengthError: le.code };
  }
  const sorted = Object.fromEntries(Object.keys(shapes).sort().map((k) => [k, shapes[k]]));
  return {
    service: source.name,
    apiVersion: boto.metadata.apiVersion,
    targetPrefix: boto.metadata.targetPrefix ?? '',
    botocore: botocoreVersion,
    validationError: source.validationError,
    validationErrorSource: source.validationErrorSource,
    operations,
    shapes: sorted,
  };
}

/** The file text: the header members one per line, then one line per operation and per shape. */
export function formatModel(m: ServiceModel): string {
  const { operations, shapes, ...head } = m;
  const lines = (o: Record<string, unknown>) => Object.entries(o).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
  const top = Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)},`).join('\n');
  return `{\n${top}\n  "operations": {\n${lines(operations)}\n  },\n  "shapes": {\n${lines(shapes)}\n  }\n}\n`;
}

/** The generated files, by path, from the installed botocore. */
export function generateAll(): Map<string, string> {
  const { version, dataDir } = botocore();
  const files = new Map<string, string>();
  for (const source of SERVICE_SOURCES) {
    files.set(path.join(MODELS_DIR, `${source.name}.json`), formatModel(buildModel(source, readBotoModel(dataDir, source.botocore), version)));
  }
  return files;
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const [file, text] of generateAll()) {
    const now = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
    if (now === text) continue;
    if (check) {
      stale++;
      console.error(`${path.relative(process.cwd(), file)} differs from the model in botocore`);
    } else {
      fs.writeFileSync(file, text);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
    }
  }
  if (stale > 0) process.exit(1);
}
