import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sscs-py-index-'));
});

async function read(files: Record<string, string>, opts: { pypiIndex?: string } = {}) {
  const cwd = await mkdtemp(join(dir, 'case-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(cwd, name, '..'), { recursive: true });
    await writeFile(join(cwd, name), text);
  }
  const graph = await readDependencyInputs(Object.keys(files).filter((f) => f !== 'Pipfile'), { cwd, ...opts });
  return { graph, got: graph.packages.map((p) => [p.name, p.source, p.resolved ?? null]).sort() };
}

const UV = (registry: string) => `version = 1\n\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [{ name = "six" }]\n\n[[package]]\nname = "six"\nversion = "1.16.0"\nsource = { registry = "${registry}" }\n`;

describe('PyPI packages from another index than pypi.org are their own source kind', () => {
  it('uv.lock: a registry source on another host is url; pypi.org and the configured index stay registry', async () => {
    expect((await read({ 'uv.lock': UV('https://evil.example/simple') })).got).toEqual([['six', 'url', 'https://evil.example/simple']]);
    expect((await read({ 'uv.lock': UV('https://pypi.org/simple') })).got).toEqual([['six', 'registry', null]]);
    expect((await read({ 'uv.lock': UV('https://mirror.example/simple') }, { pypiIndex: 'https://mirror.example/simple/' })).got).toEqual([['six', 'registry', null]]);
  });

  it('pylock.toml: another index is url, a file: wheel URL is file', async () => {
    const text = `lock-version = "1.0"\ncreated-by = "x"\n\n[[packages]]\nname = "six"\nversion = "1.16.0"\nindex = "https://evil.example/simple"\n\n[[packages]]\nname = "idna"\nversion = "3.7"\nwheels = [{ url = "file:///etc/passwd", hashes = { sha256 = "aa" } }]\n\n[[packages]]\nname = "ok"\nversion = "1.0"\nindex = "https://pypi.org/simple"\nwheels = [{ url = "https://files.pythonhosted.org/packages/ok-1.0-py3-none-any.whl", hashes = { sha256 = "bb" } }]\n`;
    expect((await read({ 'pylock.toml': text })).got).toEqual([['idna', 'file', 'file:///etc/passwd'], ['ok', 'registry', null], ['six', 'url', 'https://evil.example/simple']]);
  });

  it('Pipfile.lock: an index named in _meta.sources on another host is url', async () => {
    const lock = { _meta: { sources: [{ name: 'pypi', url: 'https://pypi.org/simple', verify_ssl: true }, { name: 'evil', url: 'https://evil.example/simple', verify_ssl: true }] }, default: { six: { version: '==1.16.0', index: 'evil' }, idna: { version: '==3.7', index: 'pypi' } }, develop: {} };
    expect((await read({ 'Pipfile.lock': JSON.stringify(lock) })).got).toEqual([['idna', 'registry', null], ['six', 'url', 'https://evil.example/simple']]);
  });

  it('requirements.txt: --index-url makes its packages url packages, index options are reported without credentials', async () => {
    const { graph, got } = await read({ 'requirements.txt': '--index-url https://tok:pw@evil.example/simple\n--extra-index-url https://other.example/simple\nsix==1.16.0\n' });
    expect(got).toEqual([['six', 'url', 'https://evil.example/simple']]);
    const warnings = (graph.warnings ?? []).join('\n');
    expect(warnings).toContain('requirements.txt:1: --index-url https://evil.example/simple');
    expect(warnings).toContain('requirements.txt:2: --extra-index-url https://other.example/simple');
    expect(JSON.stringify(graph)).not.toMatch(/tok|pw@/);
  });
});
