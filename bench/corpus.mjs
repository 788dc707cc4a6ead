// Benign corpus: fetches (once) the latest tarballs of the most-used npm packages plus a few hard cases into
// bench/.data/corpus/, scans them all and prints the false positive rate by severity.
//
//   npm run build && node bench/corpus.mjs [--top 250] [--offline] [--verbose]
import { parseArgs } from 'node:util';
import { basename } from 'node:path';
import { ensureCorpus, topNames, CORPUS_DIR } from './corpus-fetch.mjs';
import { readdir } from 'node:fs/promises';

const { values } = parseArgs({ options: { top: { type: 'string', default: '250' }, offline: { type: 'boolean' }, verbose: { type: 'boolean' } } });
const { scanTarball, SEVERITIES, severityRank } = await import('../helper/dist/scan/index.js');

const files = values.offline
  ? (await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.tgz')).sort().map((f) => CORPUS_DIR + f)
  : await ensureCorpus(await topNames(Number(values.top)));

const worst = {};
const flagged = Object.fromEntries(SEVERITIES.map((s) => [s, []]));
for (const file of files) {
  const report = await scanTarball(file);
  const top = report.findings[0]?.severity;
  const id = report.package ? `${report.package.name}@${report.package.version}` : basename(file);
  if (top) {
    worst[id] = top;
    // A package counts at every severity up to its worst finding: "flagged high" means high or critical.
    for (const s of SEVERITIES) if (severityRank(s) <= severityRank(top)) flagged[s].push(id);
  }
  if (values.verbose || (top && severityRank(top) >= severityRank('high'))) {
    for (const f of report.findings.filter((f) => values.verbose || severityRank(f.severity) >= severityRank('high'))) {
      console.log(`  ${id}: ${f.severity} ${f.rule} ${f.file}${f.line ? `:${f.line}` : ''} ${f.evidence.slice(0, 100)}`);
    }
  }
}
console.log(`\n${files.length} packages scanned`);
console.log('severity  flagged at or above   rate');
for (const s of SEVERITIES) {
  console.log(`${s.padEnd(10)}${String(flagged[s].length).padStart(8)}            ${((100 * flagged[s].length) / files.length).toFixed(2)}%`);
}
const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, Object.entries(worst).filter(([, v]) => v === s).map(([k]) => k)]));
for (const s of ['critical', 'high', 'medium']) if (bySeverity[s].length) console.log(`\nworst finding ${s}: ${bySeverity[s].join(', ')}`);
