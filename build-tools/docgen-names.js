// Corrects docs/API.python.md and docs/API.java.md after jsii-docgen, which shows some members
// under names the Python and Java packages do not have:
// - constants (static readonly properties) under their TypeScript names (`HSM2M_MEDIUM`), where
//   jsii-pacmak names them `HSM2_M_MEDIUM` in both languages, and in Java as getters
//   (`getHsm2mMedium()`) where they are static final fields;
// - an initializer for abstract classes, which neither language can instantiate;
// - in Python, members named like a Python keyword (`with`, inherited from aws-cdk-lib), which
//   jsii-pacmak names with a trailing underscore (`with_`).
// The names come from jsii-pacmak's own conversion (codemaker, its dependency); the example apps'
// tests check the result against the built wheel and jar (examples/python/test_api_docs.py,
// examples/java ApiDocsTest).
// Usage: node build-tools/docgen-names.js python|java <file>
const fs = require('fs');
const path = require('path');
const { toSnakeCase } = require('codemaker');

const [lang, file] = process.argv.slice(2);
if (!['python', 'java'].includes(lang) || !file) throw new Error('usage: docgen-names.js python|java <file>');
const root = path.join(__dirname, '..');
const assembly = JSON.parse(fs.readFileSync(path.join(root, '.jsii'), 'utf8'));

/** The name jsii-pacmak gives a constant in Python and Java. */
const constantName = (name) => toSnakeCase(name).toUpperCase();
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let doc = fs.readFileSync(path.join(root, file), 'utf8');

for (const type of Object.values(assembly.types)) {
  for (const prop of (type.properties ?? []).filter((p) => p.const)) {
    const tsName = prop.name;
    const name = constantName(tsName);
    const id = `${type.fqn}.property.${tsName}`;
    // The member's heading and its code line, both in the block anchored at the member's id.
    doc = doc.replace(new RegExp(`(##### \`)${escape(tsName)}(\`[^\\n]*id="${escape(id)}"[^\\n]*\\n\\n\`\`\`${lang}\\n)([^\\n]*)`),
      (_m, head, rest) => `${head}${name}${rest}${lang === 'java' ? `public static final ${type.name} ${name};` : `${name}: ${type.name}`}`);
    // The link text in the type's table of constants.
    doc = doc.split(`href="#${id}">${tsName}</a>`).join(`href="#${id}">${name}</a>`);
    // Mentions in documentation text (`@default HsmType.HSM2M_MEDIUM`).
    doc = doc.replace(new RegExp(`\\b${escape(type.name)}\\.${escape(tsName)}\\b`, 'g'), `${type.name}.${name}`);
  }
  if (type.kind === 'class' && type.abstract) {
    // The Initializers section of an abstract class: replaced by how one is obtained.
    const factories = (type.methods ?? []).filter((m) => m.static).map((m) => m.name);
    const how = factories.length ? `its static methods (${factories.map((f) => `\`${lang === 'python' ? toSnakeCase(f) : f}\``).join(', ')})` : 'a subclass';
    doc = doc.replace(new RegExp(`#### Initializers <a name="Initializers" id="${escape(type.fqn)}\\.Initializer"></a>\\n[\\s\\S]*?(?=\\n#### )`),
      `#### Initializers <a name="Initializers" id="${type.fqn}.Initializer"></a>\n\n\`${type.name}\` is abstract: get one from ${how}.\n\n---\n`);
  }
}

if (lang === 'python') {
  // Python's keywords (keyword.kwlist); a member so named gets a trailing underscore.
  const keywords = ['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue',
    'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is',
    'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield'];
  for (const kw of keywords) {
    doc = doc
      .replace(new RegExp(`^(#{5,6} \`)${kw}(\`.* id="cdk-cloudhsm\\.)`, 'gm'), `$1${kw}_$2`)
      .replace(new RegExp(`(<a href="#cdk-cloudhsm\\.[\\w.]+">)${kw}(</a>)`, 'g'), `$1${kw}_$2`)
      .replace(new RegExp(`^def ${kw}\\(`, 'gm'), `def ${kw}_(`);
  }
}

fs.writeFileSync(path.join(root, file), doc);
