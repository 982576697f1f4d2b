// The wall time of each stage of a CI run, so the README's test command can be held to its budget
// (docs/testing.md, "CI time budget").
//
//   node .ci/stages.js time FILE NAME -- CMD...   runs CMD, appends NAME and its wall time to FILE
//   CMD | node .ci/stages.js projen FILE          passes projen's output through unchanged and appends
//                                                 the wall time of every projen task to FILE
//   node .ci/stages.js report FILE                prints the table
//
// projen logs each command it runs as `👾 build » test » typecheck | tsc ...`: a task's time runs
// from its first command's line to the next line of another task (or the end of the output).
const fs = require('fs');
const readline = require('readline');
const { spawnSync } = require('child_process');

const [mode, file, ...rest] = process.argv.slice(2);

/**
 * One row of FILE: a stage of the run, or a projen task inside the stage that follows it, with the
 * task's first command.
 */
function append(kind, name, seconds, command) {
  fs.appendFileSync(file, JSON.stringify({ kind, name, seconds: Math.round(seconds * 10) / 10, command }) + '\n');
}

// A projen task line: the icon, the task's full name, ` | `, what it runs (colour codes stripped first).
const ANSI = /\x1b\[[0-9;]*m/g;
const TASK_LINE = /^👾 (.+?) \| (.*)$/;

function projen() {
  const order = [];
  const seconds = new Map();
  const commands = new Map();
  let current;
  let since;
  const close = (now) => {
    if (current !== undefined) seconds.set(current, seconds.get(current) + (now - since) / 1000);
  };
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    process.stdout.write(line + '\n');
    const m = TASK_LINE.exec(line.replace(ANSI, ''));
    if (!m) return;
    // A skipped condition is not a command of the task: it does not start one.
    if (m[2].startsWith('condition')) return;
    const now = Date.now();
    if (m[1] === current) return;
    close(now);
    current = m[1];
    since = now;
    if (!seconds.has(current)) {
      order.push(current);
      seconds.set(current, 0);
      commands.set(current, m[2]);
    }
  });
  lines.on('close', () => {
    close(Date.now());
    for (const name of order) append('task', name, seconds.get(name), commands.get(name));
  });
}

function time() {
  const [name, dashes, cmd, ...args] = rest;
  if (dashes !== '--' || !cmd) throw new Error('usage: node .ci/stages.js time FILE NAME -- CMD...');
  const start = Date.now();
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  append('stage', name, (Date.now() - start) / 1000);
  process.exit(r.status ?? 1);
}

/** Seconds as `12.3s` or `4m05s`, right-aligned. */
function fmt(seconds) {
  const s = seconds >= 60 ? Math.round(seconds) : seconds;
  const m = Math.floor(s / 60);
  const text = m > 0 ? `${m}m${String(s - m * 60).padStart(2, '0')}s` : `${s.toFixed(1)}s`;
  return text.padStart(8);
}

function report() {
  const rows = fs.existsSync(file)
    ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
    : [];
  console.log('stage durations (wall time):');
  let total = 0;
  let tasks = [];
  for (const r of rows) {
    if (r.kind === 'task') {
      tasks.push(r);
      continue;
    }
    total += r.seconds;
    console.log(`${fmt(r.seconds)}  ${r.name}`);
    // The tasks a projen stage ran, under a subtotal per phase of `build` (default, pre-compile,
    // compile, post-compile, test, package); what is left is npx and projen starting up.
    const phases = new Map();
    for (const t of tasks) {
      const parts = t.name.split(' » ');
      const phase = parts.length > 1 ? parts.slice(0, 2).join(' » ') : t.name;
      if (!phases.has(phase)) phases.set(phase, []);
      phases.get(phase).push(t);
    }
    for (const [phase, ts] of phases) {
      const sum = ts.reduce((a, t) => a + t.seconds, 0);
      const short = (c) => (c.length > 70 ? `${c.slice(0, 67)}...` : c);
      if (ts.length === 1 && ts[0].name === phase) {
        console.log(`  ${fmt(sum)}  ${phase}: ${short(ts[0].command)}`);
        continue;
      }
      console.log(`  ${fmt(sum)}  ${phase}`);
      for (const t of ts) {
        const name = t.name === phase ? '·' : t.name.slice(phase.length + 3);
        console.log(`    ${fmt(t.seconds)}  ${name}: ${short(t.command)}`);
      }
    }
    if (tasks.length) {
      const rest = r.seconds - tasks.reduce((a, t) => a + t.seconds, 0);
      console.log(`  ${fmt(rest)}  (outside projen's tasks: npx and projen starting)`);
    }
    tasks = [];
  }
  console.log(`${fmt(total)}  total`);
}

if (mode === 'projen') projen();
else if (mode === 'time') time();
else if (mode === 'report') report();
else throw new Error(`unknown mode ${mode}: time, projen or report`);
