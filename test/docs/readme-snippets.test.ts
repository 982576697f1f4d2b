import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');
/** The example apps whose marked region README.md shows, one per language. */
const EXAMPLES = [
  'examples/basic/app.ts',
  'examples/python/app.py',
  'examples/java/src/main/java/com/example/cloudhsm/BasicStack.java',
  'examples/go/app.go',
  'examples/activation/app.ts',
  'examples/key-store/app.ts',
];

/** The lines between the `[readme]` and `[/readme]` marker comments of a file, dedented. */
function markedRegion(file: string): string {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const start = lines.findIndex((l) => /(#|\/\/) \[readme\]/.test(l));
  const end = lines.findIndex((l) => /(#|\/\/) \[\/readme\]/.test(l));
  if (start < 0 || end <= start) throw new Error(`${file} has no [readme] ... [/readme] region`);
  const region = lines.slice(start + 1, end);
  const indent = Math.min(...region.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return region.map((l) => l.slice(indent)).join('\n').trimEnd();
}

/** The code blocks of a markdown file announced by `<!-- snippet: FILE -->`, by file. */
function snippetsOf(markdown = 'README.md'): Map<string, string[]> {
  const readme = fs.readFileSync(path.join(root, markdown), 'utf8');
  const out = new Map<string, string[]>();
  for (const m of readme.matchAll(/<!-- snippet: (\S+) -->\n```\w+\n([\s\S]*?)```/g)) {
    out.set(m[1], [...(out.get(m[1]) ?? []), m[2].trimEnd()]);
  }
  return out;
}

describe('README example snippets', () => {
  const snippets = snippetsOf();

  test('show the example app in TypeScript, Python, Java and Go, once each', () => {
    expect([...snippets.keys()].sort()).toEqual([...EXAMPLES].sort());
    for (const file of EXAMPLES) expect(snippets.get(file)).toHaveLength(1);
  });

  test.each(EXAMPLES)('the %s block is that file\'s [readme] region', (file) => {
    const shown = snippets.get(file)?.[0];
    // On failure, copy the file's region (the expected value) into README.md.
    expect(shown).toEqual(markedRegion(file));
  });
});

/** Guides whose code blocks are an example app's marked region (so they compile: the examples are type-checked). */
const GUIDES: Record<string, string[]> = {
  'docs/existing-clusters.md': ['examples/existing-cluster/app.ts'],
  'docs/applications.md': ['examples/application/app.ts'],
};

describe.each(Object.entries(GUIDES))('%s example snippets', (guide, files) => {
  test.each(files)('the %s block is that file\'s [readme] region', (file) => {
    expect(snippetsOf(guide).get(file)).toEqual([markedRegion(file)]);
  });
});
