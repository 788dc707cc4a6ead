/**
 * Core metadata (PEP 658/714) through the firewall: offered on the rewritten page (HTML and JSON) only for files
 * the policy serves and only when the upstream gave its sha256, served at `<file>.metadata` under the file's own
 * decision, checked against that sha256 (a hostile upstream's other bytes are refused with 502), and used by real
 * pip: 23.2+ reads `core-metadata` from the JSON page and resolves from `.metadata` alone; Debian's 23.0.1 (which
 * crashes on a JSON `dist-info-metadata` key, PEP 714) installs from the same page by downloading the wheel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { MAX_METADATA_BYTES } from '../../helper/dist/firewall/pypi-metadata.js';
import { readSimpleHtml, readSimpleJson } from '../../helper/dist/registry/pypi-simple.js';
import { pep714Python, pipEnv, pipOf, venv } from '../support/pip-clients.ts';
import { startPypiIndex, SIMPLE_HTML, SIMPLE_JSON, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';
import { execa } from 'execa';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const POLICY = 'version: 1\nrules:\n  - id: deny-meta-bad\n    match: "pkg:pypi/meta-bad"\n    action: deny\n    reason: known bad\n';
const APP_WHEEL = 'meta_app-1.0.0-py3-none-any.whl';
const DEP_WHEEL = 'meta_dep-2.0.0-py3-none-any.whl';
const BAD_WHEEL = 'meta_bad-1.0.0-py3-none-any.whl';
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface Fw {
  index: PypiIndex;
  fw: FirewallProcess;
}
const started: Fw[] = [];
async function start(metadata?: 'pypi' | 'pep658' | 'unhashed'): Promise<Fw> {
  const index = await startPypiIndex(metadata ? { metadata } : {});
  index.publish({ name: 'meta-app', version: '1.0.0', uploadedAt: OLD, requiresDist: ['meta-dep>=2'] });
  index.publish({ name: 'meta-dep', version: '2.0.0', uploadedAt: OLD });
  index.publish({ name: 'meta-bad', version: '1.0.0', uploadedAt: OLD });
  const fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl, '--packument-ttl', '0'] });
  const s = { index, fw };
  started.push(s);
  return s;
}

let pypi: Fw;
beforeAll(async () => {
  pypi = await start();
}, 60_000);
afterAll(async () => {
  for (const s of started) {
    await s.fw.stop();
    await s.index.close();
  }
});

const pages = async (fw: FirewallProcess, project: string) => {
  const url = `${fw.url}/simple/${project}/`;
  const json = readSimpleJson(await (await fetch(url, { headers: { accept: SIMPLE_JSON } })).json(), project, url);
  const htmlText = await (await fetch(url, { headers: { accept: SIMPLE_HTML } })).text();
  return { json: json.files, html: readSimpleHtml(htmlText, project, url).files, htmlText };
};

describe('firewall: PyPI core metadata (PEP 658/714)', () => {
  it('offers the upstream sha256 of a served wheel\'s metadata in both forms, and none for an sdist', async () => {
    const meta = sha256(pypi.index.file(APP_WHEEL)!.metadata);
    const { json, html, htmlText } = await pages(pypi.fw, 'meta-app');
    for (const files of [json, html]) {
      expect(files.map((f) => [f.filename, f.coreMetadata])).toEqual([[APP_WHEEL, meta], ['meta_app-1.0.0.tar.gz', false]]);
    }
    // PEP 714: both HTML attributes; the JSON keys warehouse writes, never `dist-info-metadata` (pip 22.3-23.1 crash on it).
    expect(htmlText).toContain(`data-core-metadata="sha256=${meta}"`);
    expect(htmlText).toContain(`data-dist-info-metadata="sha256=${meta}"`);
    const raw = (await (await fetch(`${pypi.fw.url}/simple/meta-app/`, { headers: { accept: SIMPLE_JSON } })).json()) as { files: Record<string, unknown>[] };
    expect(raw.files[0]).toMatchObject({ 'core-metadata': { sha256: meta }, 'data-dist-info-metadata': { sha256: meta } });
    expect(raw.files.every((f) => !('dist-info-metadata' in f))).toBe(true);
  });

  it('serves a served file\'s metadata checked against that sha256', async () => {
    const { json } = await pages(pypi.fw, 'meta-app');
    const r = await fetch(`${pypi.fw.url}/files/meta-app/${APP_WHEEL}.metadata`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-sscs-decision')).toBe('allow; rule=default');
    const body = Buffer.from(await r.arrayBuffer());
    expect(sha256(body)).toBe(json[0]!.coreMetadata);
    expect(body.toString()).toContain('Requires-Dist: meta-dep>=2');
  });

  it('refuses a denied file\'s metadata with the file\'s 403, without fetching it', async () => {
    const before = pypi.index.requests.length;
    const r = await fetch(`${pypi.fw.url}/files/meta-bad/${BAD_WHEEL}.metadata`);
    expect(r.status).toBe(403);
    expect(r.headers.get('x-sscs-decision')).toBe('deny; rule=deny-meta-bad');
    expect(((await r.json()) as { error: string }).error).toContain('pkg:pypi/meta-bad@1.0.0 is denied by rule deny-meta-bad');
    expect(pypi.index.requests.slice(before).filter((q) => q.host === 'files')).toEqual([]);
  });

  it('answers 404 for the metadata of an sdist the index offers none for, and refuses other suffixes', async () => {
    expect((await fetch(`${pypi.fw.url}/files/meta-app/meta_app-1.0.0.tar.gz.metadata`)).status).toBe(404);
    expect((await fetch(`${pypi.fw.url}/files/meta-app/${APP_WHEEL}.metadata.metadata`)).status).toBe(400);
    expect((await fetch(`${pypi.fw.url}/files/meta-app/${APP_WHEEL}.meta`)).status).toBe(400);
  });

  it('refuses metadata over the size bound, read no further than it', async () => {
    const original = pypi.index.file(DEP_WHEEL)!.metadata;
    pypi.index.tamperMetadata(DEP_WHEEL, Buffer.alloc(MAX_METADATA_BYTES + 1, 0x41));
    try {
      const r = await fetch(`${pypi.fw.url}/files/meta-dep/${DEP_WHEEL}.metadata`);
      expect(r.status).toBe(502);
      expect(((await r.json()) as { error: string }).error).toContain(`cannot fetch the core metadata of ${DEP_WHEEL}: upstream response of ${MAX_METADATA_BYTES + 1} bytes is over the limit of ${MAX_METADATA_BYTES}`);
    } finally {
      pypi.index.tamperMetadata(DEP_WHEEL, original);
    }
  });

  it('reads the older data-dist-info-metadata of an index from before PEP 714 and offers both names', async () => {
    const old = await start('pep658');
    const { json, htmlText } = await pages(old.fw, 'meta-app');
    expect(typeof json[0]!.coreMetadata).toBe('string');
    expect(htmlText).toContain(`data-core-metadata="sha256=${json[0]!.coreMetadata}"`);
    expect((await fetch(`${old.fw.url}/files/meta-app/${APP_WHEEL}.metadata`)).status).toBe(200);
  });

  it('does not offer metadata the index gives no sha256 for: it could not be checked', async () => {
    const unhashed = await start('unhashed');
    const { json, htmlText } = await pages(unhashed.fw, 'meta-app');
    expect(json.map((f) => f.coreMetadata)).toEqual([false, false]);
    expect(htmlText).not.toContain('metadata');
    expect((await fetch(`${unhashed.fw.url}/files/meta-app/${APP_WHEEL}.metadata`)).status).toBe(404);
  });
});

const newer = pep714Python();

describe('firewall: PyPI core metadata with real pip', () => {
  it.skipIf(!newer)('pip 23.2+ resolves from .metadata through the firewall, before any wheel is downloaded', async () => {
    const home = await venv(newer);
    const before = pypi.index.requests.length;
    const r = await execa(pipOf(home), ['install', '--no-color', '--progress-bar', 'off', '--dry-run', '--ignore-installed', '--report', `${home}/report.json`, 'meta-app'], {
      env: pipEnv(home, { PIP_INDEX_URL: `${pypi.fw.url}/simple/` }), extendEnv: false, reject: false, all: true, timeout: 180_000,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain(`Obtaining dependency information for meta-app from ${pypi.fw.url}/files/meta-app/${APP_WHEEL}.metadata`);
    expect(r.all).toContain(`/files/meta-dep/${DEP_WHEEL}.metadata`);
    const report = JSON.parse(await readFile(`${home}/report.json`, 'utf8')) as { install: { metadata: { name: string; version: string } }[] };
    expect(report.install.map((i) => `${i.metadata.name}==${i.metadata.version}`).sort()).toEqual(['meta-app==1.0.0', 'meta-dep==2.0.0']);
    const fetched = pypi.index.requests.slice(before).filter((q) => q.host === 'files').map((q) => q.path.slice(q.path.lastIndexOf('/') + 1));
    // The resolver read both releases from their metadata; pip 23.2's --dry-run then downloads the chosen wheels anyway.
    expect(fetched.slice(0, 2)).toEqual([`${APP_WHEEL}.metadata`, `${DEP_WHEEL}.metadata`]);
  }, 240_000);

  it.skipIf(!newer)('pip fails when a hostile upstream serves metadata that does not match its sha256', async () => {
    const hostile = await start();
    hostile.index.tamperMetadata(APP_WHEEL, Buffer.from('Metadata-Version: 2.1\nName: meta-app\nVersion: 1.0.0\nRequires-Dist: evil-dep\n'));
    const direct = await fetch(`${hostile.fw.url}/files/meta-app/${APP_WHEEL}.metadata`);
    expect(direct.status).toBe(502);
    expect(((await direct.json()) as { error: string }).error).toContain(`the core metadata of ${APP_WHEEL} does not match the sha256 the index lists`);
    const home = await venv(newer);
    const r = await execa(pipOf(home), ['install', '--no-color', '--progress-bar', 'off', '--dry-run', '--ignore-installed', 'meta-app'], {
      env: pipEnv(home, { PIP_INDEX_URL: `${hostile.fw.url}/simple/` }), extendEnv: false, reject: false, all: true, timeout: 180_000,
    });
    expect(r.exitCode, r.all).not.toBe(0);
    expect(r.all).toContain('502');
    expect(r.all).not.toContain('evil-dep');
  }, 240_000);

  it('Debian\'s pip 23.0.1 installs from the same JSON page, fetching the wheel', async () => {
    const home = await venv();
    const before = pypi.index.requests.length;
    const r = await execa(pipOf(home), ['download', '--no-color', '--progress-bar', 'off', '--no-deps', '-d', `${home}/dl`, 'meta-app'], {
      env: pipEnv(home, { PIP_INDEX_URL: `${pypi.fw.url}/simple/` }), extendEnv: false, reject: false, all: true, timeout: 180_000,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain(`Saved ${home}/dl/${APP_WHEEL}`);
    // The firewall serves the wheel from its cache when an earlier test fetched it: no .metadata is asked for either way.
    expect(pypi.index.requests.slice(before).filter((q) => q.host === 'files' && q.path.endsWith('.metadata'))).toEqual([]);
    expect(r.all).not.toContain('.metadata');
  }, 240_000);
});
