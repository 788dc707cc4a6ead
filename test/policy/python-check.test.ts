import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { fixture } from '../lockfiles/support.js';

/** A project folder holding the uv.lock fixture (with its pyproject.toml) and a requirements.txt. */
async function project(requirements: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-pycheck-'));
  await cp(fixture('python', 'uv'), dir, { recursive: true });
  await writeFile(join(dir, 'requirements.txt'), requirements);
  return dir;
}

const POLICY = `version: 1
rules:
  - id: no-anyio-4
    match: pkg:pypi/AnyIO@>=4,<5
    action: deny
    reason: anyio 4 is being replaced
  - id: squats
    when: { typosquat: true }
    action: deny
`;

describe('sscs policy check on Python lockfiles', () => {
  it('finds the lockfiles itself, applies pkg:pypi rules with PEP 440 ranges and typosquat on PyPI names, exit 1', async () => {
    const dir = await project('reqeusts==2.31.0 \\\n    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f\nsix==1.16.0\n');
    await writeFile(join(dir, 'policy.yml'), POLICY);
    const r = await runCli(['policy', 'check', '--offline', '--policy', 'policy.yml', '--gitlab-report', 'gl.json'], { cwd: dir });
    expect(r.stderr).not.toContain('    at ');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/DENY\s+pkg:pypi\/anyio@4\.6\.0/);
    expect(r.stdout).toContain('anyio 4 is being replaced');
    expect(r.stdout).toMatch(/DENY\s+pkg:pypi\/reqeusts@2\.31\.0/);
    expect(r.stdout).toContain('requests');
    expect(r.stdout).not.toMatch(/DENY\s+pkg:pypi\/six/);
    const gl = JSON.parse(await readFile(join(dir, 'gl.json'), 'utf8')) as { dependency_files: { path: string; package_manager: string }[] };
    expect(gl.dependency_files.map((f) => [f.path, f.package_manager]).sort()).toEqual([
      ['requirements.txt', 'pip'],
      ['uv.lock', 'uv'],
    ]);
  });

  it('denies a version an OSV MAL- record for the PyPI ecosystem lists, by any spelling of the name', async () => {
    const dir = await project('Django_Helper==0.1\n');
    await mkdir(join(dir, 'feed', 'pypi'), { recursive: true });
    await writeFile(join(dir, 'feed', 'pypi', 'MAL-2025-4242.json'), JSON.stringify({ id: 'MAL-2025-4242', affected: [{ package: { ecosystem: 'PyPI', name: 'django.helper' }, versions: ['0.1.0'] }] }));
    await writeFile(join(dir, 'policy.yml'), 'version: 1\n');
    const r = await runCli(['policy', 'check', 'requirements.txt', '--offline', '--policy', 'policy.yml', '--malicious-feed', 'feed', '--format', 'json'], { cwd: dir });
    expect(r.exitCode).toBe(1);
    const rep = JSON.parse(r.stdout) as { packages: { purl: string; rule: string; decision: string }[] };
    expect(rep.packages).toEqual([expect.objectContaining({ purl: 'pkg:pypi/django-helper@0.1', decision: 'deny', rule: 'malicious-feed' })]);
  });

  it('fails closed on a requirement that pins no version, naming the file, line and the way out (exit 2)', async () => {
    const dir = await project('six==1.16.0\nflask>=3\n');
    await writeFile(join(dir, 'policy.yml'), 'version: 1\n');
    const r = await runCli(['policy', 'check', 'requirements.txt', '--offline', '--policy', 'policy.yml', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toContain('requirements.txt:2: 1 requirement pins no version, so the installer would choose its version unchecked: flask >=3 (requirements.txt:2)');
    expect(r.stderr).toContain('pip-compile --generate-hashes');
    expect(r.stderr).toContain('--allow-unpinned');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(2);
  });

  it('with --allow-unpinned, warns about requirements that pin no version and does not guess them', async () => {
    const dir = await project('flask>=3\nsix==1.16.0\n');
    await writeFile(join(dir, 'policy.yml'), 'version: 1\n');
    const r = await runCli(['policy', 'check', 'requirements.txt', '--offline', '--allow-unpinned', '--policy', 'policy.yml', '--format', 'json'], { cwd: dir });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('pin no version, so they are not checked: flask >=3');
    expect((JSON.parse(r.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name)).toEqual(['six']);
  });

  it('fails closed on a CycloneDX pypi component that names no version, as npm does: exit 2 unless --allow-unpinned', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-pycheck-sbom-'));
    const component = (name: string, purl: string) => ({ 'bom-ref': name, type: 'library', name, purl });
    await writeFile(join(dir, 'bom.cdx.json'), JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [component('six', 'pkg:pypi/six@1.16.0'), component('flask', 'pkg:pypi/flask')] }, null, 2));
    await writeFile(join(dir, 'policy.yml'), 'version: 1\n');
    const r = await runCli(['policy', 'check', 'bom.cdx.json', '--offline', '--policy', 'policy.yml', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toContain('bom.cdx.json:15: 1 requirement pins no version, so the installer would choose its version unchecked: pkg:pypi/flask (components[1]) (bom.cdx.json:15)');
    expect(r.stderr).toContain('--allow-unpinned');
    expect(r.stdout).toBe('');
    expect(r.exitCode).toBe(2);
    const allowed = await runCli(['policy', 'check', 'bom.cdx.json', '--offline', '--allow-unpinned', '--policy', 'policy.yml', '--format', 'json'], { cwd: dir });
    expect(allowed.exitCode, allowed.stderr).toBe(0);
    expect((JSON.parse(allowed.stdout) as { packages: { name: string }[] }).packages.map((p) => p.name)).toEqual(['six']);
    const deps = await runCli(['deps', 'bom.cdx.json'], { cwd: dir });
    expect(deps.stdout).toContain('# unpinned: pkg:pypi/flask (components[1])  (bom.cdx.json:15; not checked)');
  });

  it('sscs deps only lists an unpinned requirement (exit 0)', async () => {
    const dir = await project('flask>=3\nsix==1.16.0\n');
    const r = await runCli(['deps', 'requirements.txt'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('# unpinned: flask >=3  (requirements.txt:1; not checked)');
  });

  it('says so when there is no lockfile to check, exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-pycheck-empty-'));
    const r = await runCli(['policy', 'check', '--offline'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no lockfile found');
  });
});
