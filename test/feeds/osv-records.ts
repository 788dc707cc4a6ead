/** OSV records in the shapes osv.dev's npm all.zip holds them: MAL- from ossf/malicious-packages, GHSA- from GitHub's advisory database. */
export const mal = (id: string, name: string, versions: string[]): object => ({
  id,
  summary: `Malicious code in ${name} (npm)`,
  modified: '2026-11-30T10:00:00Z',
  published: '2026-11-30T10:00:00Z',
  schema_version: '1.5.0',
  affected: [{ package: { ecosystem: 'npm', name }, versions, database_specific: { source: 'https://github.com/ossf/malicious-packages/blob/main/osv/malicious/npm/x.json' } }],
  database_specific: { 'malicious-packages-origins': [{ source: 'ghsa-malware' }] },
});

/** A GitHub-reviewed advisory as osv.dev carries it: a CVSS vector in `severity`, GitHub's label in database_specific. */
export const ghsa = (id: string, name: string, fixed: string, opts: { vector?: string; label?: string } = {}): object => ({
  id,
  summary: `Advisory for ${name}`,
  aliases: [`CVE-2026-${id.slice(5, 9)}`],
  modified: '2026-11-30T10:00:00Z',
  published: '2026-11-01T10:00:00Z',
  schema_version: '1.5.0',
  ...(opts.vector ? { severity: [{ type: opts.vector.startsWith('CVSS:4.0') ? 'CVSS_V4' : 'CVSS_V3', score: opts.vector }] } : {}),
  affected: [{ package: { ecosystem: 'npm', name, purl: `pkg:npm/${name}` }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  database_specific: { github_reviewed: true, cwe_ids: ['CWE-1321'], ...(opts.label ? { severity: opts.label } : {}) },
});

export const files = (records: object[]): Record<string, string> => Object.fromEntries(records.map((r) => [`${(r as { id: string }).id}.json`, JSON.stringify(r)]));
