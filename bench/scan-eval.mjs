// Detection rates on material nobody here wrote: GuardDog's npm rule tests, packed as packages and scanned.
//
//   npm run build && GUARDDOG_DIR=/path/to/guarddog npm run scan:eval [-- --verbose] [-- --corpus]
//
// GUARDDOG_DIR is a local checkout (or a bare git directory) of github.com/DataDog/guarddog; its code is read
// here, never copied into this repository, and CI does not run this command.
// - Semgrep tests (tests/analyzer/sourcecode/npm-*.js): the file is cut into snippets at top-level statements,
//   each ending at a statement that holds a `// ruleid: R` (must detect) or `// ok: R` (must not) marker.
// - YARA tests (threat-*.js): the whole file must be detected; files under benign/ must not.
// - Manifest tests (threat-*.json): the file is the package.json (must detect; benign/ must not).
// Each JS snippet becomes two packages: index.js run from `postinstall: node index.js`, and index.js as `main`.
// Then GuardDog's Python rule tests, as sdists (setup.py) and wheels (__init__.py): see scan-eval-python.mjs.
// With --corpus, the benign corpus (bench/.data/corpus, see bench/corpus.mjs) is scanned too.
// --check-prescreen is accepted and does nothing: scanner 7 removed the lexical pre-screen (every JavaScript
// candidate is parsed), so there is nothing to compare.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as loose from 'acorn-loose';
import { c as createTar } from 'tar';
import { pct, rateTable } from './lib.mjs';

const { values } = parseArgs({ options: { verbose: { type: 'boolean' }, corpus: { type: 'boolean' }, 'check-prescreen': { type: 'boolean' } } });
const { scanTarball: scanOnce, severityRank } = await import('../helper/dist/scan/index.js');
/** scanTarball (`what` names the package in the corpus loop). */
const scanTarball = (tgz, _what) => scanOnce(tgz);
const DIR = process.env.GUARDDOG_DIR;
if (!DIR) {
  console.error('set GUARDDOG_DIR to a checkout of github.com/DataDog/guarddog');
  process.exit(2);
}
const TESTS = 'tests/analyzer/sourcecode';

/** Lists and reads files from a work tree or, for a bare/mirror git directory, from its HEAD. */
function source(dir) {
  if (existsSync(join(dir, TESTS))) {
    const walk = (d) => readdirSync(join(dir, d)).flatMap((n) => (statSync(join(dir, d, n)).isDirectory() ? walk(`${d}/${n}`) : [`${d}/${n}`]));
    return { list: () => walk(TESTS), read: (p) => readFileSync(join(dir, p), 'utf8') };
  }
  const git = (...args) => execFileSync('git', ['--git-dir', dir, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { list: () => git('ls-tree', '-r', '--name-only', 'HEAD', TESTS).split('\n').filter(Boolean), read: (p) => git('show', `HEAD:${p}`) };
}

const MARKER = /\/\/\s*(ruleid|ok)\s*:\s*([\w-]+)/g;

/** Cuts a semgrep test file into snippets: runs of top-level statements ending at one holding a marker. */
function semgrepSnippets(text) {
  const ast = loose.parse(text, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true });
  const markers = [...text.matchAll(MARKER)].map((m) => ({ at: m.index, kind: m[1], rule: m[2] }));
  const out = [];
  let start = 0;
  for (const stmt of ast.body) {
    // A marker comment sits just before the marked line: count it with the statement that follows it.
    const inside = markers.filter((m) => m.at >= start && m.at < stmt.end);
    if (inside.length === 0) continue;
    const must = inside.some((m) => m.kind === 'ruleid');
    out.push({ rule: inside[0].rule, must, code: text.slice(start, stmt.end) });
    start = stmt.end;
  }
  return out;
}

const cases = [];
const src = source(DIR);
for (const path of src.list()) {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const benign = path.includes('/benign/');
  if (name.startsWith('npm-') && name.endsWith('.js')) {
    for (const s of semgrepSnippets(src.read(path))) cases.push({ family: s.rule, must: s.must, code: s.code, from: path });
  } else if (name.startsWith('threat-') && name.endsWith('.js')) {
    cases.push({ family: name.replace(/\.js$/, ''), must: !benign, code: src.read(path), from: path });
  } else if (name.startsWith('threat-') && name.endsWith('.json')) {
    cases.push({ family: name.replace(/(?:\.[\w-]+)?\.json$/, ''), must: !benign, manifest: src.read(path), from: path });
  }
}

const work = await mkdtemp(join(tmpdir(), 'sscs-scan-eval-'));
let n = 0;
async function scanPackage(files) {
  const dir = join(work, `p${n++}`);
  await mkdir(join(dir, 'package'), { recursive: true });
  for (const [f, text] of Object.entries(files)) await writeFile(join(dir, 'package', f), text);
  const tgz = join(dir, 'p.tgz');
  await createTar({ gzip: true, cwd: dir, file: tgz, portable: true }, ['package']);
  const report = await scanTarball(tgz, files['index.js']?.slice(0, 200) ?? 'package.json');
  await rm(dir, { recursive: true, force: true });
  return report;
}
const worst = (r) => r.findings[0]?.severity;
const atLeast = (r, s) => worst(r) !== undefined && severityRank(worst(r)) >= severityRank(s);

const rates = rateTable(atLeast);
for (const c of cases) {
  const packages = c.manifest
    ? { manifest: { 'package.json': c.manifest } }
    : {
        postinstall: { 'package.json': JSON.stringify({ name: 'eval-pkg', version: '1.0.0', scripts: { postinstall: 'node index.js' } }), 'index.js': c.code },
        entry: { 'package.json': JSON.stringify({ name: 'eval-pkg', version: '1.0.0', main: 'index.js' }), 'index.js': c.code },
      };
  for (const [mode, files] of Object.entries(packages)) {
    const report = await scanPackage(files);
    if (!rates.add(c.family, c.must, mode, report) && values.verbose) {
      console.log(`${c.must ? 'MISSED' : 'FALSE+'} ${c.family} (${mode}) from ${c.from}: ${report.findings.map((f) => `${f.severity} ${f.rule}`).join(', ') || 'no findings'}`);
      console.log(`    ${(c.code ?? c.manifest).trim().split('\n').slice(0, 6).join('\n    ')}`);
    }
  }
}
await rm(work, { recursive: true, force: true });

const total = rates.print(`GuardDog npm rule tests from ${DIR}: ${cases.length} cases`, ['postinstall', 'entry', 'manifest']);
const t = total.must;
console.log(`\nmust-detect flagged at ≥medium: from postinstall ${t.postinstall[0]}/${t.postinstall[1]} (${pct(...t.postinstall).trim()}), as entry point ${t.entry[0]}/${t.entry[1]} (${pct(...t.entry).trim()}), manifest ${t.manifest[0]}/${t.manifest[1]}`);
console.log(`must-not flagged: at ≥high ${total.not.high[0]}/${total.not.high[1]}, at ≥medium ${total.not.medium[0]}/${total.not.medium[1]}`);

const { evalPython } = await import('./scan-eval-python.mjs');
await evalPython({ src, verbose: values.verbose, severityRank, dist: new URL('../helper/dist', import.meta.url).href });

if (values.corpus) {
  const { CORPUS_DIR } = await import('./corpus-fetch.mjs');
  const files = existsSync(CORPUS_DIR) ? readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.tgz')) : [];
  let medium = 0;
  let high = 0;
  for (const f of files) {
    const r = await scanTarball(join(CORPUS_DIR, f), f);
    if (atLeast(r, 'medium')) medium++;
    if (atLeast(r, 'high')) high++;
  }
  console.log(`benign corpus: ${files.length} packages, ${high} at ≥high (${pct(high, files.length).trim()}), ${medium} at ≥medium (${pct(medium, files.length).trim()})`);
}

if (values['check-prescreen']) console.log('pre-screen check: none to make (scanner 7 parses every JavaScript candidate; the lexical pre-screen was removed)');
