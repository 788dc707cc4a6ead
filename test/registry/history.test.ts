/**
 * Release-history signals read from a packument shaped as registry.npmjs.org serves it (our own fixture:
 * `_npmUser` as an object and in the old "name <email>" spelling, a trusted publisher, `dist.attestations`,
 * `time` with created/modified): provenance dropped, publisher changed, install script added, dormancy.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../helper/src/policy/index.js';
import { evaluateCondition } from '../../helper/src/policy/conditions.js';
import type { Conditions, ConditionName, Policy } from '../../helper/src/policy/types.js';
import { factsFromPackument, lacksFacts, readPackument } from '../../helper/src/registry/packument.js';
import { readSnapshot, writeSnapshot } from '../../helper/src/registry/snapshot.js';
import { fileFacts, projectMeta } from '../../helper/src/registry/pypi-facts.js';

const NPM = 'https://registry.npmjs.org/';
const NOW = new Date('2025-09-01T00:00:00Z');
const raw = () => JSON.parse(readFileSync(new URL('./fixtures/history-packument.json', import.meta.url), 'utf8')) as Record<string, any>;
const full = readPackument(raw(), 'tokenised', NPM, 'full').meta;

function holds<K extends ConditionName>(name: K, value: NonNullable<Conditions[K]>, version: string, meta = full): boolean | 'unknown' {
  return evaluateCondition(name, value, factsFromPackument(meta, version), NOW).holds;
}

describe('release history from a full packument', () => {
  it.each([
    // version, provenance_dropped, publisher_changed, install_script_added, dormant_for 52w
    ['1.4.0', false, false, false, false], // the first release: nothing to compare with
    ['2.0.0', false, true, false, true], // moved to trusted publishing after 60 weeks: a new publisher, and dormant
    ['2.1.0', false, false, false, true],
    ['1.4.1', true, true, true, false], // a stolen token: no attestation, another account, a postinstall
    ['2.1.1', true, false, true, false], // the same account again minutes later: still no attestation
    ['2.1.2', false, false, false, false], // the project's own pipeline again
  ] as const)('%s: dropped=%s publisher=%s script=%s dormant=%s', (version, dropped, publisher, script, dormant) => {
    expect(holds('provenance_dropped', true, version)).toBe(dropped);
    expect(holds('publisher_changed', true, version)).toBe(publisher);
    expect(holds('install_script_added', true, version)).toBe(script);
    expect(holds('dormant_for', '52w', version)).toBe(dormant);
  });

  it('windows count versions by publish time', () => {
    // 2.1.1's nearest attested earlier version is 2.1.0, two back (1.4.1 came between).
    expect(holds('provenance_dropped', 1, '2.1.1')).toBe(false);
    expect(holds('provenance_dropped', 2, '2.1.1')).toBe(true);
    // bob published 1.4.1 just before 2.1.1; GitHub Actions last published 2.1.0, three before 2.1.2.
    expect(holds('publisher_changed', 2, '2.1.2')).toBe(true);
    expect(holds('publisher_changed', 3, '2.1.2')).toBe(false);
  });

  it('false asks for the opposite', () => {
    expect(holds('provenance_dropped', false, '2.1.2')).toBe(true);
    expect(holds('provenance_dropped', false, '1.4.1')).toBe(false);
    expect(holds('install_script_added', false, '2.1.1')).toBe(false);
  });

  it('reasons name what changed', () => {
    const facts = factsFromPackument(full, '1.4.1');
    const reasons = (['provenance_dropped', 'publisher_changed', 'install_script_added'] as const).map((c) => evaluateCondition(c, true, facts, NOW));
    expect(reasons.map((r) => ('reason' in r ? r.reason : ''))).toEqual([
      'has no provenance attestation, but the version published 1 before it had one',
      'published by bob, who published none of the 3 versions before it (the previous: GitHub Actions)',
      'has install scripts, and the previous version 1.4.0 had none',
    ]);
    expect(evaluateCondition('dormant_for', '26w', factsFromPackument(full, '2.1.0'), NOW)).toMatchObject({ holds: true, reason: 'released 536d after the previous release (2.0.0), at least 26w' });
  });

  it('a policy acts on them, and on_unknown decides what the document cannot tell', () => {
    const policy: Policy = {
      version: 1,
      rules: [
        { id: 'dropped', when: { provenance_dropped: true }, action: 'deny' },
        { id: 'new-publisher', when: { publisher_changed: 5 }, action: 'quarantine' },
        { id: 'dormant', when: { dormant_for: '52w' }, action: 'warn' },
      ],
    };
    const pkg = (version: string) => ({ ecosystem: 'npm' as const, name: 'tokenised', version });
    expect(evaluate(policy, pkg('1.4.1'), factsFromPackument(full, '1.4.1'), NOW)).toMatchObject({ action: 'deny', rule: 'dropped' });
    expect(evaluate(policy, pkg('2.0.0'), factsFromPackument(full, '2.0.0'), NOW)).toMatchObject({ action: 'quarantine', rule: 'new-publisher' });
    expect(evaluate(policy, pkg('2.1.0'), factsFromPackument(full, '2.1.0'), NOW)).toMatchObject({ action: 'warn', rule: 'dormant' });
    expect(evaluate(policy, pkg('2.1.2'), factsFromPackument(full, '2.1.2'), NOW)).toMatchObject({ action: 'allow', rule: 'default' });
    const offline = { metadataAvailable: false, metadataError: 'offline with no metadata snapshot' };
    expect(evaluate(policy, pkg('2.1.2'), offline, NOW)).toMatchObject({ action: 'deny', rule: 'dropped', reason: 'cannot tell: its provenance is unknown (offline with no metadata snapshot)' });
    expect(evaluate({ ...policy, on_unknown: { provenance_dropped: 'allow', publisher_changed: 'warn' } }, pkg('2.1.2'), offline, NOW)).toMatchObject({ action: 'warn', rule: 'new-publisher' });
  });
});

describe('what a document does not say stays unknown', () => {
  it('an abbreviated form (no time, _npmUser, scripts or attestations) answers none of them, and asks for the full one', () => {
    const doc = raw();
    const abbreviated = {
      name: doc.name,
      'dist-tags': doc['dist-tags'],
      modified: doc.time.modified,
      versions: Object.fromEntries(
        Object.entries(doc.versions as Record<string, any>).map(([v, m]) => [v, { name: m.name, version: v, dist: { integrity: m.dist.integrity, tarball: m.dist.tarball }, ...(m.scripts.postinstall ? { hasInstallScript: true } : {}) }]),
      ),
    };
    const meta = readPackument(abbreviated, 'tokenised', NPM, 'abbreviated').meta;
    for (const v of Object.keys(doc.versions)) {
      expect(holds('provenance_dropped', true, v, meta), v).toBe('unknown');
      expect(holds('publisher_changed', true, v, meta), v).toBe('unknown');
      expect(holds('dormant_for', '1d', v, meta), v).toBe('unknown');
    }
    // hasInstallScript is sent only when true: 1.4.1's predecessor 1.4.0 may or may not have had scripts.
    expect(holds('install_script_added', true, '1.4.1', meta)).toBe('unknown');
    expect(lacksFacts(meta, ['provenance_dropped', 'publisher_changed', 'install_script_added', 'dormant_for'])).toEqual(['provenance_dropped', 'publisher_changed', 'install_script_added', 'dormant_for']);
    expect(lacksFacts(full, ['provenance_dropped', 'publisher_changed', 'install_script_added', 'dormant_for'])).toEqual([]);
  });

  it('an earlier version with no _npmUser in the window makes a new publisher unknown, not changed', () => {
    const doc = raw();
    delete doc.versions['2.1.0']._npmUser;
    const meta = readPackument(doc, 'tokenised', NPM).meta;
    expect(holds('publisher_changed', true, '1.4.1', meta)).toBe('unknown');
    expect(holds('publisher_changed', 1, '2.1.1', meta)).toBe(false);
  });

  it('a registry that offers no attestations never drops provenance', () => {
    const doc = raw();
    for (const m of Object.values(doc.versions as Record<string, any>)) delete m.dist.attestations;
    const meta = readPackument(doc, 'tokenised', 'https://npm.example.test/').meta;
    expect(holds('provenance_dropped', true, '1.4.1', meta)).toBe(false);
  });

  it('hostile shapes read as absent: _npmUser a number, times that are not dates', () => {
    const doc = raw();
    doc.versions['1.4.1']._npmUser = 42;
    doc.time['2.1.0'] = 'yesterday';
    const meta = readPackument(doc, 'tokenised', NPM).meta;
    expect(holds('publisher_changed', true, '1.4.1', meta)).toBe('unknown');
    expect(holds('dormant_for', '1d', '2.1.0', meta)).toBe('unknown');
    // 2.1.0 has no usable time, so 2.1.1's previous release is 1.4.1.
    expect(factsFromPackument(meta, '2.1.1').history?.previousVersion).toBe('1.4.1');
  });
});

describe('snapshots keep the history of the versions they keep', () => {
  it('computed before pruning, read back the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-history-'));
    const file = join(dir, 'snapshot.json');
    await writeSnapshot(file, new Map([['tokenised', full]]), new Map([['tokenised', new Set(['1.4.1'])]]), NOW, NPM);
    const back = (await readSnapshot(file)).get('tokenised')!;
    expect(Object.keys(back.versions)).toEqual(['1.4.1']);
    expect(factsFromPackument(back, '1.4.1')).toEqual(factsFromPackument(full, '1.4.1'));
    for (const c of ['provenance_dropped', 'publisher_changed', 'install_script_added'] as const) expect(holds(c, true, '1.4.1', back)).toBe(true);
  });
});

describe('the same history for a PyPI project (PEP 440 order, PEP 740 provenance, upload times)', () => {
  const file = (version: string, kind: 'wheel' | 'sdist', uploadTime: string, provenance: string | null) => ({
    filename: kind === 'wheel' ? `alpha-${version}-py3-none-any.whl` : `alpha-${version}.tar.gz`,
    url: `https://files.example.test/alpha-${version}`,
    kind,
    version,
    uploadTime,
    yanked: false as const,
    coreMetadata: false as const,
    provenance,
  });
  const project = {
    name: 'alpha',
    skipped: [],
    files: [
      file('1.9', 'wheel', '2024-01-01T00:00:00Z', 'https://files.example.test/alpha-1.9.provenance'),
      file('1.10', 'wheel', '2024-02-01T00:00:00Z', 'https://files.example.test/alpha-1.10.provenance'),
      file('1.11', 'wheel', '2025-08-01T00:00:00Z', null),
      file('1.11', 'sdist', '2025-08-01T00:00:00Z', null),
    ],
  };
  const meta = projectMeta(project, 'https://pypi.example.test/simple/');

  it('provenance dropped and dormancy from upload times; publisher and install scripts stay unknown', () => {
    const wheel = fileFacts(meta, project.files[2]!);
    expect(evaluateCondition('provenance_dropped', true, wheel, NOW).holds).toBe(true);
    expect(evaluateCondition('dormant_for', '52w', wheel, NOW).holds).toBe(true);
    expect(evaluateCondition('publisher_changed', true, wheel, NOW).holds).toBe('unknown');
    expect(evaluateCondition('install_script_added', true, wheel, NOW).holds).toBe(false);
    expect(evaluateCondition('install_script_added', true, fileFacts(meta, project.files[3]!), NOW).holds).toBe('unknown');
    // PEP 440, not string order: 1.10 comes after 1.9.
    expect(meta.versions['1.11']!.history?.predecessor?.version).toBe('1.10');
    expect(evaluateCondition('provenance_dropped', true, fileFacts(meta, project.files[1]!), NOW).holds).toBe(false);
  });
});
