// Synthetic known-malicious feeds in the ossf/malicious-packages layout (osv/malicious/npm/<name>/MAL-*.json),
// for benches here and in the policy engine: `writeSyntheticFeed(dir, 20000)`.
import { mkdir, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The synthetic package name of record i (deterministic; scoped every seventh). */
export function syntheticName(i) {
  return i % 7 === 0 ? `@synth${i % 97}/pkg-${i}` : `synth-pkg-${i}`;
}

/** One OSV record: exact versions, an all-versions range, or an introduced/fixed range, in turn. */
export function syntheticRecord(i) {
  const name = syntheticName(i);
  const affected = { package: { ecosystem: 'npm', name } };
  if (i % 3 === 0) affected.versions = [`1.0.${i % 10}`, `1.0.${(i % 10) + 1}`];
  else if (i % 3 === 1) affected.ranges = [{ type: 'SEMVER', events: [{ introduced: '0' }] }];
  else affected.ranges = [{ type: 'SEMVER', events: [{ introduced: '2.0.0' }, { fixed: `2.${(i % 5) + 1}.0` }] }];
  return {
    modified: '2025-01-01T00:00:00Z',
    published: '2025-01-01T00:00:00Z',
    schema_version: '1.7.0',
    id: `MAL-2025-${100000 + i}`,
    summary: `Malicious code in ${name} (npm)`,
    details: 'Synthetic record for benchmarks.',
    affected: [affected],
    ...(i % 50 === 49 ? { withdrawn: '2025-02-01T00:00:00Z' } : {}),
  };
}

/** Writes `count` records under `dir/osv/malicious/npm/`; returns the osv folder. */
export async function writeSyntheticFeed(dir, count) {
  const root = join(dir, 'osv');
  await rm(root, { recursive: true, force: true });
  for (let i = 0; i < count; i++) {
    const rec = syntheticRecord(i);
    const folder = join(root, 'malicious', 'npm', rec.affected[0].package.name);
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, `${rec.id}.json`), `${JSON.stringify(rec, null, 2)}\n`);
  }
  return root;
}
