// The Python half of `npm run scan:eval`: GuardDog's Python rule tests (tests/analyzer/sourcecode/*.py), packed
// as distributions and scanned.
// - Semgrep tests (files with `# ruleid: R` / `# ok: R` markers): cut at top-level statements (tree-sitter's
//   Python grammar, as the scanner reads them), each snippet ending at a statement that holds a marker.
// - YARA tests (threat-*.py): the whole file must be detected; files under benign/ must not.
// Each snippet becomes two distributions: an sdist whose setup.py is the snippet (runs at install) and a wheel
// whose pkg/__init__.py is the snippet (runs on import).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSdist, writeWheel } from './py-dist.mjs';

const MARKER = /#\s*(ruleid|ok)\s*:\s*([\w-]+)/g;

function snippets(text, parse) {
  const root = parse(text);
  const markers = [...text.matchAll(MARKER)].map((m) => ({ at: m.index, kind: m[1], rule: m[2] }));
  const out = [];
  let start = 0;
  for (const stmt of root.children) {
    if (stmt.type === 'comment') continue;
    const inside = markers.filter((m) => m.at >= start && m.at < stmt.end);
    if (inside.length === 0) continue;
    out.push({ rule: inside[0].rule, must: inside.some((m) => m.kind === 'ruleid'), code: text.slice(start, stmt.end) });
    start = stmt.end;
  }
  return out;
}

/** Runs the evaluation; prints per-family rates; returns the totals. */
export async function evalPython({ src, verbose, severityRank, dist }) {
  const { scanPythonDistribution } = await import(`${dist}/scan/index.js`);
  const { pythonParser, parsePython } = await import(`${dist}/scan/python/parse.js`);
  const parser = await pythonParser();
  const parse = (text) => {
    const r = parsePython(parser, text);
    if ('error' in r) throw new Error(r.error);
    return r.root;
  };
  const cases = [];
  for (const path of src.list()) {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!name.endsWith('.py') || name.startsWith('test_')) continue;
    const benign = path.includes('/benign/');
    const text = src.read(path);
    if (name.startsWith('threat-')) cases.push({ family: name.replace(/\.py$/, ''), must: !benign, code: text, from: path });
    else if (MARKER.test(text)) for (const s of snippets(text, parse)) cases.push({ family: s.rule, must: s.must, code: s.code, from: path });
    MARKER.lastIndex = 0;
  }
  const work = await mkdtemp(join(tmpdir(), 'sscs-scan-eval-py-'));
  const worst = (r) => r.findings[0]?.severity;
  const atLeast = (r, s) => worst(r) !== undefined && severityRank(worst(r)) >= severityRank(s);
  const rows = new Map();
  let n = 0;
  for (const c of cases) {
    const sdist = join(work, `s${n}.tar.gz`);
    const wheel = join(work, `w${n++}.whl`);
    writeSdist(sdist, 'eval-pkg', '1.0', { 'setup.py': c.code });
    writeWheel(wheel, 'eval_pkg', '1.0', { 'eval_pkg/__init__.py': c.code });
    for (const [mode, file, format] of [['setup.py', sdist, 'sdist'], ['__init__.py', wheel, 'wheel']]) {
      const report = await scanPythonDistribution(file, format);
      const key = `${c.family}\0${c.must}`;
      const row = rows.get(key) ?? { family: c.family, must: c.must, modes: {} };
      rows.set(key, row);
      const m = (row.modes[mode] ??= { n: 0, medium: 0, high: 0 });
      m.n++;
      if (atLeast(report, 'medium')) m.medium++;
      if (atLeast(report, 'high')) m.high++;
      const flagged = atLeast(report, c.must ? 'medium' : 'high');
      if (verbose && flagged !== c.must) {
        console.log(`${c.must ? 'MISSED' : 'FALSE+'} ${c.family} (${mode}) from ${c.from}: ${report.findings.map((f) => `${f.severity} ${f.rule}`).join(', ') || 'no findings'}`);
        console.log(`    ${c.code.trim().split('\n').slice(-6).join('\n    ')}`);
      }
    }
  }
  await rm(work, { recursive: true, force: true });

  const pct = (a, b) => (b ? `${((100 * a) / b).toFixed(0)}%` : '-').padStart(5);
  const cell = (m, k) => (m ? `${String(m[k]).padStart(3)}/${String(m.n).padEnd(3)}${pct(m[k], m.n)}` : '        -     ');
  console.log(`\nGuardDog Python rule tests: ${cases.length} cases, each as an sdist (setup.py) and a wheel (__init__.py)`);
  console.log(`${'family'.padEnd(46)}${'kind'.padEnd(12)}${'setup.py ≥medium'.padEnd(20)}${'__init__.py ≥medium'.padEnd(22)}any mode ≥high`);
  const total = { must: { 'setup.py': [0, 0], '__init__.py': [0, 0] }, not: { high: [0, 0], medium: [0, 0] } };
  for (const r of [...rows.values()].sort((a, b) => Number(b.must) - Number(a.must) || a.family.localeCompare(b.family))) {
    const high = Object.values(r.modes).reduce((a, m) => [a[0] + m.high, a[1] + m.n], [0, 0]);
    console.log(`${r.family.padEnd(46)}${(r.must ? 'must-detect' : 'must-not').padEnd(12)}${cell(r.modes['setup.py'], 'medium').padEnd(20)}${cell(r.modes['__init__.py'], 'medium').padEnd(22)}${high[0]}/${high[1]}`);
    for (const [mode, m] of Object.entries(r.modes)) {
      if (r.must) {
        total.must[mode][0] += m.medium;
        total.must[mode][1] += m.n;
      } else {
        total.not.high[0] += m.high;
        total.not.high[1] += m.n;
        total.not.medium[0] += m.medium;
        total.not.medium[1] += m.n;
      }
    }
  }
  const t = total.must;
  console.log(`\nPython must-detect flagged at ≥medium: in setup.py ${t['setup.py'][0]}/${t['setup.py'][1]} (${pct(...t['setup.py']).trim()}), in __init__.py ${t['__init__.py'][0]}/${t['__init__.py'][1]} (${pct(...t['__init__.py']).trim()})`);
  console.log(`Python must-not flagged: at ≥high ${total.not.high[0]}/${total.not.high[1]}, at ≥medium ${total.not.medium[0]}/${total.not.medium[1]}`);
  return total;
}
