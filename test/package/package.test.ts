import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

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

  // The handler carries the AWS SDK clients it is tested with (docs/benchmarks.md section 4): about
  // 2.4 MB minified since the EC2 client (the Availability Zone check, about 1.1 MB) joined them.
  test('ships the bundled handler with its SDK clients, under 2.6 MB', () => {
    const handler = files.find((f) => f.path === 'assets/handler/index.js');
    expect(handler).toBeDefined();
    expect(handler!.size).toBeGreaterThan(1024 * 1024);
    expect(handler!.size).toBeLessThan(2.6 * 1024 * 1024);
  });

  // The admin host's user data is read at synth time from assets/host; the scripts the handler
  // sends through Run Command ship next to it in assets/handler, and only there.
  test('ships setup.sh alone for the admin host and the Run Command scripts with the handler', () => {
    const sources = fs.readdirSync(path.join(root, 'lambda', 'host')).filter((f) => f.endsWith('.sh'));
    const sent = sources.filter((f) => f !== 'setup.sh');
    expect(sources).toContain('setup.sh');
    expect(sent).toContain('activate.sh');
    expect(names.filter((n) => n.startsWith('assets/host/'))).toEqual(['assets/host/setup.sh']);
    expect(names.filter((n) => /^assets\/handler\/.*\.sh$/.test(n)).sort()).toEqual(sent.map((f) => `assets/handler/${f}`).sort());
  });

  test('leaves out handler sources, tests, examples and CI files', () => {
    for (const prefix of ['lambda/', 'test/', 'examples/', '.ci/', 'src/']) {
      expect(names.filter((n) => n.startsWith(prefix))).toEqual([]);
    }
  });

  test('ships the jsii assembly and API docs', () => {
    expect(names).toEqual(expect.arrayContaining(['.jsii', 'API.md', 'README.md', 'package.json']));
  });

  // The README is the package page (npm, Construct Hub): a relative link there resolves only
  // to a file that ships; anything else must link to the repository.
  test('every relative link of the README names a file in the tarball', () => {
    const links = readmeLinks(fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
    expect(links.length).toBeGreaterThan(5);
    const relative = links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l) && !l.startsWith('#'));
    expect(relative.map((l) => l.split('#')[0]).filter((l) => !names.includes(l))).toEqual([]);
  });
});

/** The targets of the inline (`[text](target)`) and reference (`[label]: target`) links of a markdown text, outside code blocks. */
function readmeLinks(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  const inline = [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  const reference = [...text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]);
  return [...inline, ...reference];
}
