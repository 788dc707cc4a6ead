// The JavaScript tree analysis alone (helper/src/scan/js), beside the parse it starts from, on the files the
// scanner parses in the corpus tarballs, with CPU time: what the analysis costs on top of meriyah.
//
//   npm run build && node bench/scan-tree.mjs [--every 4] [--rounds 1] [--signals out.jsonl] [--findings out.jsonl]
//
// --signals FILE writes every file's signals (one JSON line per file, in corpus order) so two builds can be
// compared exactly (`cmp`); --findings FILE writes every tarball's scanTarball findings likewise (the end-to-end
// check: findings must not change when only the speed of the analysis does). Texts are read from the tarballs
// once and kept in bench/.data/scan-tree-texts/ (not committed), so repeated runs cost only parse and analysis.
import { existsSync, mkdirSync, readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { serialize, deserialize } from 'node:v8';
import { CORPUS_DIR } from './corpus-fetch.mjs';

const { values } = parseArgs({ options: { every: { type: 'string', default: '1' }, offset: { type: 'string', default: '0' }, rounds: { type: 'string', default: '1' }, signals: { type: 'string' }, findings: { type: 'string' }, 'no-analysis': { type: 'boolean' }, 'no-reference': { type: 'boolean' } } });
const EVERY = Number(values.every);
const OFFSET = Number(values.offset);
const { scanTarball, DEFAULT_SCAN_LIMITS } = await import('../helper/dist/scan/index.js');
const { Collector } = await import('../helper/dist/scan/collect.js');
const { readTarball } = await import('../helper/dist/scan/tarball.js');
const { viewPackage } = await import('../helper/dist/scan/package.js');
const { parsedTexts } = await import('../helper/dist/scan/rules/code.js');
const { parseProgram } = await import('../helper/dist/scan/js/parse.js');
const { analyseProgram } = await import('../helper/dist/scan/js/analyse.js');
const { withBudget } = await import('../helper/dist/scan/budget.js');

if (!existsSync(CORPUS_DIR)) throw new Error('no corpus: run node bench/corpus.mjs first');
const tarballs = (await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.tgz')).sort().filter((_f, i) => i % EVERY === OFFSET);

if (values.findings) {
  const out = createWriteStream(values.findings);
  for (const f of tarballs) {
    const report = await scanTarball(join(CORPUS_DIR, f));
    out.write(`${JSON.stringify({ tarball: f, findings: report.findings })}\n`);
  }
  await new Promise((r) => out.end(r));
  console.log(`${tarballs.length} tarballs: findings written to ${values.findings}`);
  process.exit(0);
}

const cacheDir = new URL('./.data/scan-tree-texts/', import.meta.url).pathname;
mkdirSync(cacheDir, { recursive: true });
/** The texts the code rule parses in one tarball, read once and cached. */
async function textsOf(f) {
  const cached = join(cacheDir, `${f}.v8`);
  if (existsSync(cached)) return deserialize(readFileSync(cached));
  const c = new Collector(DEFAULT_SCAN_LIMITS);
  await readTarball(join(CORPUS_DIR, f), c);
  const texts = parsedTexts(viewPackage(c.files));
  writeFileSync(cached, serialize(texts));
  return texts;
}
const corpus = [];
for (const f of tarballs) corpus.push({ tarball: f, texts: await textsOf(f) });
const files = corpus.reduce((a, c) => a + c.texts.length, 0);
const jsMb = corpus.reduce((a, c) => a + c.texts.reduce((b, t) => b + t.length, 0), 0) / 1e6;

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const signalsOut = values.signals ? createWriteStream(values.signals) : undefined;
/** One pass over the corpus: parse every file and (unless parseOnly) analyse it; CPU is read once per tarball. */
function pass(parseOnly, write) {
  let parseMs = 0;
  let analysisMs = 0;
  const c0 = cpu();
  for (const { tarball, texts } of corpus) {
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i];
      const t0 = performance.now();
      const parsed = parseProgram(text);
      const t1 = performance.now();
      parseMs += t1 - t0;
      if ('error' in parsed || parseOnly) continue;
      let outcome;
      try {
        const run = withBudget(text.length, () => analyseProgram(parsed.program, text));
        outcome = { signals: run.value.signals, overBudget: run.exhausted ? run.spent : undefined };
      } catch (e) {
        outcome = { error: String(e.message) };
      }
      analysisMs += performance.now() - t1;
      if (write) write(`${JSON.stringify({ tarball, i, ...outcome })}\n`);
    }
  }
  return { cpu: cpu() - c0, parseMs, analysisMs };
}
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
for (let round = 0; round < Number(values.rounds); round++) {
  // The parse alone, then parse and analysis: the difference in CPU (every thread: the collector's too) is what
  // the analysis costs, whatever garbage it leaves.
  // (--no-reference skips the first, --no-analysis the second: instruction counts of two processes, one with
  // each, differ by the analysis alone.)
  const p = values['no-reference'] ? undefined : pass(true);
  const f = values['no-analysis'] ? undefined : pass(false, round === 0 && signalsOut ? (l) => signalsOut.write(l) : undefined);
  console.log(`round ${round + 1}: ${corpus.length} tarballs, ${files} files, ${jsMb.toFixed(1)} MB of JS` + (p ? `; parse alone ${s(p.cpu)} CPU (${s(p.parseMs)} wall)` : '') +
    (f ? `; parse + analysis ${s(f.cpu)} CPU (parse ${s(f.parseMs)}, analysis ${s(f.analysisMs)} wall)` : '') +
    (p && f ? `: analysis ${s(f.cpu - p.cpu)} CPU, ${((f.cpu - p.cpu) / p.cpu).toFixed(2)}x the parse` : ''));
}
if (signalsOut) await new Promise((r) => signalsOut.end(r));
