/**
 * The firewall in front of an upstream that answers as registry.npmjs.org does (test/support/npm-registry.ts),
 * where verdaccio is kinder: abbreviated packuments without the facts rules need, a Content-Encoding the
 * firewall did not ask for, scoped names spelled every way, null version entries, and ETag/HEAD over all of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ABBREVIATED, startNpmRegistry, type Encoding, type NpmRegistry, type ScopedSpelling } from '../support/npm-registry.js';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.js';

const POLICY = `
version: 1
rules:
  - id: no-install-scripts
    match: "s-*"
    when: { install_scripts: true }
    action: deny
  - id: licence-allow-list
    match: "l-*"
    when: { license: { allow: [MIT, Apache-2.0] } }
    action: deny
  - id: needs-provenance
    match: "p-*"
    when: { provenance: false }
    action: deny
`;

const abbreviated = { accept: `${ABBREVIATED}, application/json;q=0.8` };
type Doc = { versions: Record<string, { dist: { tarball: string } }>; 'dist-tags'?: Record<string, string> };

describe('firewall in front of a registry that behaves like registry.npmjs.org', () => {
  let r: NpmRegistry;
  let fw: FirewallProcess;
  const packument = async (name: string, headers: Record<string, string> = abbreviated) => {
    const res = await fetch(`${fw.url}/${name.replace('/', '%2f')}`, { headers });
    return { status: res.status, etag: res.headers.get('etag'), body: res.status === 200 ? ((await res.json()) as Doc) : ((await res.json()) as { error: string }) };
  };
  beforeAll(async () => {
    r = await startNpmRegistry();
    await r.publish({ name: 's-scripted', version: '1.0.0', scripts: { postinstall: 'node x.js' } });
    await r.publish({ name: 's-clean', version: '1.0.0', scripts: { test: 'vitest' } });
    await r.publish({ name: 'l-gpl', version: '1.0.0', manifest: { license: 'GPL-3.0-only' } });
    await r.publish({ name: 'l-mit', version: '1.0.0' });
    await r.publish({ name: 'p-mixed', version: '1.0.0', provenance: true });
    await r.publish({ name: 'p-mixed', version: '1.1.0' });
    fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: r.url, args: ['--packument-ttl', '0'] });
  });
  afterAll(async () => {
    await fw?.stop();
    await r?.close();
  });

  describe('facts the abbreviated form lacks come from the full document', () => {
    it('denies a version with an install script and serves one without', async () => {
      const scripted = await packument('s-scripted');
      expect(scripted.status).toBe(403);
      expect((scripted.body as { error: string }).error).toContain('denied by rule no-install-scripts: has install scripts');
      const clean = await packument('s-clean');
      expect(clean.status).toBe(200);
      expect(Object.keys((clean.body as Doc).versions)).toEqual(['1.0.0']);
    });

    it('judges the licence the full document names, not an unknown one', async () => {
      expect((await packument('l-gpl')).status).toBe(403);
      const mit = await packument('l-mit');
      expect(mit.status).toBe(200);
      const tgz = await fetch((mit.body as Doc).versions['1.0.0']!.dist.tarball);
      expect(tgz.status).toBe(200);
      await tgz.arrayBuffer();
    });

    it('filters the version without the provenance its package otherwise has', async () => {
      const doc = await packument('p-mixed');
      expect(doc.status).toBe(200);
      expect(Object.keys((doc.body as Doc).versions)).toEqual(['1.0.0']);
      expect((doc.body as Doc)['dist-tags']).toEqual({ latest: '1.0.0' });
    });
  });

  describe('Content-Encoding the firewall did not ask for', () => {
    it.each(['gzip', 'br', 'deflate'] as Encoding[])('decodes %s packuments and tarballs', async (encoding) => {
      r.options.encoding = encoding;
      r.options.encodeTarballs = true;
      try {
        const name = `enc-${encoding}`;
        await r.publish({ name, version: '1.0.0' });
        const doc = await packument(name);
        expect(doc.status).toBe(200);
        const tgz = await fetch((doc.body as Doc).versions['1.0.0']!.dist.tarball);
        expect(tgz.status).toBe(200);
        expect(tgz.headers.get('x-sscs-decision')).toBe('allow; rule=default');
        const bytes = Buffer.from(await tgz.arrayBuffer());
        // The client gets the tarball itself (gzip magic), not the CDN's encoding of it.
        expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
      } finally {
        r.options.encoding = undefined;
        r.options.encodeTarballs = false;
      }
    });
  });

  describe('scoped names', () => {
    it.each(['/', '%2f', '%2F', '%40'] as ScopedSpelling[])('serves the firewall’s own tarball URL when the upstream spells the scope %s', async (spelling) => {
      r.options.scopedTarballs = spelling;
      try {
        const name = `@acme/w${encodeURIComponent(spelling).replace(/%/g, '')}`;
        await r.publish({ name, version: '1.0.0' });
        const doc = await packument(name);
        expect(doc.status).toBe(200);
        const url = (doc.body as Doc).versions['1.0.0']!.dist.tarball;
        expect(url.startsWith(fw.url)).toBe(true);
        const tgz = await fetch(url);
        expect(tgz.status).toBe(200);
        await tgz.arrayBuffer();
      } finally {
        r.options.scopedTarballs = '/';
      }
    });

    it.each(['/@acme%2fenc/-/enc-1.0.0.tgz', '/@acme%2Fenc/-/enc-1.0.0.tgz', '/%40acme%2fenc/-/enc-1.0.0.tgz', '/%40acme/enc/-/enc-1.0.0.tgz', '/@acme/enc/-/enc-1.0.0.tgz'])('accepts the tarball request %s', async (path) => {
      await r.publish({ name: '@acme/enc', version: '1.0.0' });
      const res = await fetch(`${fw.url}${path}`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    });
  });

  describe('null and malformed version entries', () => {
    it('skips them, logs them, and serves the rest', async () => {
      for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) await r.publish({ name: 'mixed', version: v });
      r.corrupt('mixed', '1.1.0', null);
      r.corrupt('mixed', '1.2.0', 'not a manifest');
      r.corrupt('mixed', '1.3.0', []);
      for (const headers of [abbreviated, { accept: 'application/json' }]) {
        const doc = await packument('mixed', headers);
        expect(doc.status).toBe(200);
        expect(Object.keys((doc.body as Doc).versions)).toEqual(['1.0.0']);
        // latest pointed at a skipped version: it moves to the newest served one.
        expect((doc.body as Doc)['dist-tags']).toEqual({ latest: '1.0.0' });
      }
      expect(fw.logs()).toMatch(/skipped mixed@1\.1\.0: the version entry is null/);
      expect(fw.logs()).toMatch(/skipped mixed@1\.3\.0: the version entry is an array/);
    });
  });

  describe('ETag and HEAD over all of the above', () => {
    it('answers 304 to its own ETag and HEAD without a body, for a gzip upstream and a fact fetched in full', async () => {
      r.options.encoding = 'gzip';
      try {
        await r.publish({ name: 's-etag', version: '1.0.0' });
        const first = await packument('s-etag');
        expect(first.status).toBe(200);
        expect(first.etag).toMatch(/^"sscs-/);
        const again = await fetch(`${fw.url}/s-etag`, { headers: { ...abbreviated, 'if-none-match': first.etag! } });
        expect(again.status).toBe(304);
        const head = await fetch(`${fw.url}/s-etag`, { method: 'HEAD', headers: abbreviated });
        expect(head.status).toBe(200);
        expect(head.headers.get('etag')).toBe(first.etag);
        expect((await head.arrayBuffer()).byteLength).toBe(0);
        const headTgz = await fetch(`${fw.url}/s-etag/-/s-etag-1.0.0.tgz`, { method: 'HEAD' });
        expect(headTgz.status).toBe(200);
        expect((await headTgz.arrayBuffer()).byteLength).toBe(0);
        const scoped = await fetch(`${fw.url}/%40acme%2fenc`, { method: 'HEAD', headers: abbreviated });
        expect(scoped.status).toBe(200);
      } finally {
        r.options.encoding = undefined;
      }
    });
  });
});

describe('decoding upstream bodies', () => {
  const serve = async (encoding: string, body: Buffer) => {
    const { createServer } = await import('node:http');
    const server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding, 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
  };
  const read = async (encoding: string, body: Buffer, max: number) => {
    const { Upstream, readDecodedBody } = await import('../../helper/dist/firewall/upstream.js');
    const s = await serve(encoding, body);
    const up = new Upstream({ url: s.url, timeoutMs: 5000, deadlineMs: 10_000 });
    try {
      const res = await up.request('GET', '/x', {});
      return await readDecodedBody(res.body, max);
    } finally {
      up.close();
      await s.close();
    }
  };

  it('counts decoded bytes against the limit: a small gzip body cannot expand past it', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    await expect(read('gzip', bomb, 1024 * 1024)).rejects.toThrow(/over the limit of 1048576 bytes once decoded/);
  });

  it('reads raw deflate as well as zlib-wrapped deflate', async () => {
    const { deflateRawSync, deflateSync } = await import('node:zlib');
    const json = Buffer.from('{"name":"x"}');
    expect((await read('deflate', deflateRawSync(json), 1024)).toString()).toBe('{"name":"x"}');
    expect((await read('deflate', deflateSync(json), 1024)).toString()).toBe('{"name":"x"}');
  });

  it('refuses a coding it cannot decode rather than passing it on', async () => {
    await expect(read('compress', Buffer.from('x'), 1024)).rejects.toThrow('upstream sent Content-Encoding compress, which the firewall cannot decode');
  });
});
