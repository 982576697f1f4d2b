import { execFileSync } from 'child_process';
import * as path from 'path';

const root = path.join(__dirname, '..');

/** The files `npm pack` would publish, from its dry run. */
function packedFiles(): { path: string; size: number }[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out)[0].files;
}

describe('the npm tarball', () => {
  const files = packedFiles();
  const names = files.map((f) => f.path);

  test('ships the bundled handler, under 60 KB', () => {
    const handler = files.find((f) => f.path === 'assets/handler/index.js');
    expect(handler).toBeDefined();
    expect(handler!.size).toBeLessThan(60 * 1024);
  });

  test('leaves out handler sources, tests, examples and CI files', () => {
    for (const prefix of ['lambda/', 'test/', 'examples/', '.ci/', 'src/']) {
      expect(names.filter((n) => n.startsWith(prefix))).toEqual([]);
    }
  });

  test('ships the jsii assembly and API docs', () => {
    expect(names).toEqual(expect.arrayContaining(['.jsii', 'API.md', 'README.md', 'package.json']));
  });
});
