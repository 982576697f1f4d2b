// Exits 0 (the condition holds) when the jsii-pacmak output in the given dist/ folder is missing
// or older than the jsii assembly, so a language test builds its package only when needed.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const dir = path.join(root, process.argv[2]);
const assembly = fs.statSync(path.join(root, '.jsii')).mtimeMs;

/** Newest modification time of the files under `d`, or 0 when there are none. */
function newest(d) {
  if (!fs.existsSync(d)) return 0;
  return fs.readdirSync(d, { withFileTypes: true })
    .map((e) => (e.isDirectory() ? newest(path.join(d, e.name)) : fs.statSync(path.join(d, e.name)).mtimeMs))
    .reduce((a, b) => Math.max(a, b), 0);
}

process.exit(newest(dir) >= assembly ? 1 : 0);
