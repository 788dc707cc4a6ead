/**
 * The test index itself, against the real pip: what it builds installs, and it answers as warehouse does.
 * The firewall tests stand on it, so a wrong wheel or a wrong negotiation here would make them prove nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipFreeze, pipInstall, venv } from '../support/pip-clients.ts';
import { negotiate, SIMPLE_JSON, startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

let index: PypiIndex;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'Tiny.Lib', version: '1.0.0', licenseExpression: 'MIT', uploadedAt: new Date('2024-01-01T00:00:00Z') });
  index.publish({ name: 'Tiny.Lib', version: '1.1.0', licenseExpression: 'MIT', provenance: true, uploadedAt: new Date('2024-02-01T00:00:00Z') });
  index.publish({ name: 'Tiny.Lib', version: '1.2.0', yanked: 'broken', uploadedAt: new Date('2024-03-01T00:00:00Z') });
});
afterAll(() => index.close());

describe('test PyPI index', () => {
  it('negotiates as warehouse does: q-value first, offer order on ties, HTML when nothing matches', () => {
    expect(negotiate('application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01')).toBe(SIMPLE_JSON);
    expect(negotiate(undefined)).toBe('text/html');
    expect(negotiate('*/*')).toBe('text/html');
    expect(negotiate('application/json')).toBe('text/html');
    expect(negotiate('text/html, application/vnd.pypi.simple.v1+json')).toBe('text/html');
  });

  it('redirects a non-normalised project name to the normalised URL', async () => {
    const res = await fetch(`${index.url}/simple/Tiny.Lib/`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/simple/tiny-lib/');
    const json = (await (await fetch(`${index.url}/simple/tiny-lib/`, { headers: { accept: SIMPLE_JSON } })).json()) as { files: { filename: string; yanked: unknown; provenance: unknown; 'upload-time': string }[] };
    expect(json.files.map((f) => f.filename)).toEqual(['tiny_lib-1.0.0-py3-none-any.whl', 'tiny_lib-1.0.0.tar.gz', 'tiny_lib-1.1.0-py3-none-any.whl', 'tiny_lib-1.1.0.tar.gz', 'tiny_lib-1.2.0-py3-none-any.whl', 'tiny_lib-1.2.0.tar.gz']);
    expect(json.files[4]!.yanked).toBe('broken');
    expect(json.files[2]!.provenance).toMatch(/\/integrity\/tiny-lib\/1\.1\.0\//);
    expect(json.files[0]!['upload-time']).toBe('2024-01-01T00:00:00.000000Z');
  });

  it('builds wheels pip installs, and pip skips the yanked release', async () => {
    const home = await venv();
    const r = await pipInstall(home, index.simpleUrl, ['tiny.lib']);
    expect(r.output).not.toMatch(/pypi\.org/);
    expect(r.exitCode, r.output).toBe(0);
    expect((await pipFreeze(home))['tiny-lib'] ?? (await pipFreeze(home))['tiny.lib']).toBe('1.1.0');
    expect(index.requests.some((q) => q.host === 'files' && q.path.endsWith('tiny_lib-1.1.0-py3-none-any.whl') && q.status === 200)).toBe(true);
  });
});
