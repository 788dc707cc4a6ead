/**
 * PyPI facts, read by the one facts module from a real HTTP index (test/support/pypi-index.ts): the simple API
 * page in its JSON and HTML forms, and the JSON API for licences.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryClient } from '../../helper/src/registry/client.js';
import { factsKey, registryFacts } from '../../helper/src/registry/metadata.js';
import { fileFacts, licenseOfRelease, projectMeta } from '../../helper/src/registry/pypi-facts.js';
import { distOf, readSimpleHtml, readSimpleJson } from '../../helper/src/registry/pypi-simple.js';
import { readSnapshot, writeSnapshot } from '../../helper/src/registry/snapshot.js';
import type { PackageRef } from '../../helper/src/policy/types.js';
import { SIMPLE_JSON, startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

let index: PypiIndex;
let html: PypiIndex;
const npmConfig = { registry: 'http://127.0.0.1:9/', scopes: new Map(), auth: new Map() };
const ref = (name: string, version: string): PackageRef => ({ ecosystem: 'pypi', name, version });

const publishAll = (i: PypiIndex) => {
  i.publish({ name: 'alpha', version: '1.0.0', licenseExpression: 'MIT OR Apache-2.0', uploadedAt: new Date('2024-01-01T00:00:00Z') });
  i.publish({ name: 'alpha', version: '2.0.0', classifiers: ['License :: OSI Approved :: MIT License'], provenance: true, uploadedAt: new Date('2025-06-01T12:00:00Z') });
  i.publish({ name: 'alpha', version: '2.1.0', kinds: ['sdist'], license: 'Some custom licence text, see LICENSE', yanked: 'leaks memory', uploadedAt: new Date('2025-07-01T00:00:00Z') });
};

beforeAll(async () => {
  index = await startPypiIndex();
  html = await startPypiIndex({ htmlOnly: true });
  publishAll(index);
  publishAll(html);
});
afterAll(async () => {
  await index.close();
  await html.close();
});

describe('PyPI facts', () => {
  it('reads publish time, yanked, install-time code, provenance and licence per release', async () => {
    const client = new RegistryClient({ config: npmConfig, pypiIndex: index.simpleUrl });
    const refs = [ref('alpha', '1.0.0'), ref('alpha', '2.0.0'), ref('alpha', '2.1.0'), ref('alpha', '9.9.9'), ref('no-such-project', '1.0')];
    const { facts } = await registryFacts(refs, { kind: 'registry', client });
    expect(facts.get(factsKey(refs[0]!))).toEqual({ metadataAvailable: true, deprecated: false, hasInstallScripts: false, publishedAt: new Date('2024-01-01T00:00:00Z'), license: 'MIT OR Apache-2.0', hasProvenance: false, history: { earlier: 0 } });
    expect(facts.get(factsKey(refs[1]!))).toMatchObject({ license: 'MIT', hasProvenance: true, hasInstallScripts: false, publishedAt: new Date('2025-06-01T12:00:00Z') });
    // sdist only: its build backend runs at install. A free-text licence is not taken for an SPDX id.
    const sdistOnly = facts.get(factsKey(refs[2]!))!;
    expect(sdistOnly).toMatchObject({ hasInstallScripts: true, deprecated: 'yanked: leaks memory' });
    expect(sdistOnly.license).toBeUndefined();
    expect(facts.get(factsKey(refs[3]!))).toMatchObject({ metadataAvailable: false, metadataError: 'version 9.9.9 is not in the registry' });
    expect(facts.get(factsKey(refs[4]!))).toMatchObject({ metadataAvailable: false, metadataError: 'package not found in the registry' });
    // PEP 691 was asked for first, as pip asks.
    expect(index.requests.find((r) => r.path === '/simple/alpha/')!.accept).toMatch(/^application\/vnd\.pypi\.simple\.v1\+json/);
  });

  it('keys npm and PyPI documents apart, so one name in both never mixes', () => {
    expect(factsKey({ ecosystem: 'npm', name: 'alpha', version: '1.0.0' })).toBe('alpha@1.0.0');
    expect(factsKey(ref('alpha', '1.0.0'))).toBe('pkg:pypi/alpha@1.0.0');
  });

  it('reads an HTML-only index (PEP 503) to the same facts, except the upload time it cannot give', async () => {
    const client = new RegistryClient({ config: npmConfig, pypiIndex: html.simpleUrl });
    const { facts } = await registryFacts([ref('alpha', '2.0.0'), ref('alpha', '2.1.0')], { kind: 'registry', client });
    const f = facts.get(factsKey(ref('alpha', '2.0.0')))!;
    expect(f).toMatchObject({ metadataAvailable: true, license: 'MIT', hasProvenance: true, hasInstallScripts: false });
    expect(f.publishedAt).toBeUndefined();
    expect(facts.get(factsKey(ref('alpha', '2.1.0')))).toMatchObject({ deprecated: 'yanked: leaks memory', hasInstallScripts: true });
  });

  it('gives each file its own upload time and install-time code: a wheel added to an old release is new', async () => {
    const res = await fetch(`${index.simpleUrl}alpha/`, { headers: { accept: SIMPLE_JSON } });
    const page = readSimpleJson(await res.json(), 'alpha', res.url);
    const meta = projectMeta(page, index.simpleUrl);
    const sdist = page.files.find((f) => f.filename === 'alpha-1.0.0.tar.gz')!;
    expect(fileFacts(meta, sdist)).toMatchObject({ hasInstallScripts: true });
    const late = { ...page.files.find((f) => f.filename === 'alpha-1.0.0-py3-none-any.whl')!, uploadTime: '2026-11-30T00:00:00Z' };
    expect(fileFacts(meta, late).publishedAt).toEqual(new Date('2026-11-30T00:00:00Z'));
    expect(meta.time['1.0.0']).toBe('2024-01-01T00:00:00.000000Z');
  });

  it('skips files that are not this project\'s distributions or whose URL names another file', () => {
    const page = readSimpleHtml(
      [
        '<a href="https://files.example/a/alpha-1.0-py3-none-any.whl#sha256=' + 'a'.repeat(64) + '">alpha-1.0-py3-none-any.whl</a>',
        '<a href="https://files.example/a/evil-9.0-py3-none-any.whl">alpha-2.0-py3-none-any.whl</a>',
        '<a href="https://files.example/a/beta-1.0.tar.gz">beta-1.0.tar.gz</a>',
        '<a href="javascript:alert(1)">alpha-3.0.tar.gz</a>',
        '<a href="../b/Alpha.Pkg-1.0.tar.gz" data-yanked="">Alpha.Pkg-1.0.tar.gz</a>',
      ].join('\n'),
      'alpha',
      'https://index.example/simple/alpha/',
    );
    expect(page.files.map((f) => [f.filename, f.version, f.sha256 ?? null])).toEqual([['alpha-1.0-py3-none-any.whl', '1.0', 'a'.repeat(64)]]);
    expect(page.skipped.map((s) => s.filename)).toEqual(['alpha-2.0-py3-none-any.whl', 'beta-1.0.tar.gz', 'alpha-3.0.tar.gz', 'Alpha.Pkg-1.0.tar.gz']);
    expect(distOf('Alpha.Pkg-1.0.tar.gz', 'alpha-pkg')).toEqual({ kind: 'sdist', version: '1.0' });
    expect(distOf('alpha_pkg-1.0-1-py3-none-any.whl', 'alpha-pkg')).toEqual({ kind: 'wheel', version: '1.0' });
  });

  it('takes PEP 639 License-Expression first, then classifiers naming one SPDX licence', () => {
    expect(licenseOfRelease({ info: { license_expression: 'BSD-3-Clause', license: 'MIT' } })).toBe('BSD-3-Clause');
    expect(licenseOfRelease({ info: { classifiers: ['License :: OSI Approved :: MIT License', 'License :: OSI Approved :: Apache Software License'] } })).toBe('(MIT OR Apache-2.0)');
    expect(licenseOfRelease({ info: { classifiers: ['License :: Other/Proprietary License'], license: 'MIT' } })).toBe('MIT');
    expect(licenseOfRelease({ info: { license: 'Copyright (c) 2024 Someone. All rights reserved.' } })).toBeUndefined();
    expect(licenseOfRelease({ info: null })).toBeUndefined();
  });

  it('caches PyPI documents and writes them to an offline snapshot beside npm ones', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'sscs-pypi-cache-'));
    const client = new RegistryClient({ config: npmConfig, pypiIndex: index.simpleUrl, cacheDir });
    const first = await registryFacts([ref('alpha', '1.0.0')], { kind: 'registry', client });
    const before = index.requests.length;
    const again = new RegistryClient({ config: npmConfig, pypiIndex: index.simpleUrl, cacheDir });
    await registryFacts([ref('alpha', '1.0.0')], { kind: 'registry', client: again });
    expect(index.requests.length).toBe(before);
    expect(again.stats.cacheHits).toBe(1);
    const file = join(cacheDir, 'snapshot.json');
    await writeSnapshot(file, first.packuments, new Map([['pkg:pypi/alpha', new Set(['1.0.0'])]]), new Date());
    const packuments = await readSnapshot(file);
    const offline = await registryFacts([ref('alpha', '1.0.0'), { ecosystem: 'npm', name: 'alpha', version: '1.0.0' }], { kind: 'snapshot', packuments });
    expect(offline.facts.get('pkg:pypi/alpha@1.0.0')).toMatchObject({ metadataAvailable: true, license: 'MIT OR Apache-2.0', hasInstallScripts: false });
    expect(offline.facts.get('alpha@1.0.0')).toMatchObject({ metadataAvailable: false });
  });
});
