import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..', '..');

/** The TypeScript code blocks of README.md. */
function snippets(): string[] {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe('README', () => {
  test('has its two commands on the first screen', () => {
    const firstScreen = fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').slice(0, 15).join('\n');
    expect(firstScreen).toContain('npm install && npm run demo');
    expect(firstScreen).toContain('npx projen build');
  });

  test('TypeScript examples compile against the library', () => {
    const blocks = snippets();
    fs.mkdirSync(path.join(root, 'test-reports'), { recursive: true });
    expect(blocks.length).toBeGreaterThan(0);
    // Inside the checkout so that aws-cdk-lib resolves from node_modules.
    const dir = fs.mkdtempSync(path.join(root, 'test-reports', 'readme-'));
    try {
      blocks.forEach((code, i) => {
        // The snippets import the published name; compile them against this checkout.
        // A block for cdk-nag 3.x (first line `// cdk-nag 3.x`) compiles against the aliased cdk-nag-3.
        const nag3 = code.startsWith('// cdk-nag 3.x') ? code.replace(/from 'cdk-nag'/g, "from 'cdk-nag-3'") : code;
        fs.writeFileSync(path.join(dir, `snippet${i}.ts`), `${nag3.replace(/from 'cdk-cloudhsm'/g, "from '../../src'")}\nexport {};\n`);
      });
      fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: { noEmit: true, rootDir: '../..', noUnusedLocals: false },
        include: ['*.ts'],
      }));
      try {
        execFileSync(path.join(root, 'node_modules', '.bin', 'tsc'), ['-p', dir], { cwd: root, encoding: 'utf8' });
      } catch (e: any) {
        throw new Error(`README snippet does not compile:\n${e.stdout}`);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
