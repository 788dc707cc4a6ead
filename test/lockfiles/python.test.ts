import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { formatGraphText } from '../../helper/src/lockfiles/text.js';
import { runCli } from '../support/cli.js';
import { fixture } from './support.js';
import { pythonReference, REFERENCE_PYTHON } from './python-reference.js';

const PY = fixture('python');

/** Our (name, version) set of one input, as the reference reader prints it. */
async function ours(file: string, cwd: string): Promise<[string, string][]> {
  const g = await readDependencyInputs([file], { cwd });
  return [...new Set(g.packages.map((p) => JSON.stringify([p.name, p.version])))].map((s) => JSON.parse(s) as [string, string]).sort();
}

describe('Python lockfiles: our own fixtures (shapes from pip-compile, uv, poetry, pipenv and PEP 751)', () => {
  it.each([
    ['requirements', 'requirements/requirements.txt', 9],
    ['uv', 'uv/uv.lock', 7],
    ['poetry', 'poetry/poetry.lock', 6],
    ['pipfile', 'pipenv/Pipfile.lock', 5],
    ['pylock', 'pylock/pylock.toml', 4],
  ] as const)('%s: %s gives exactly the package set of the independent Python reader', async (format, file, count) => {
    const expected = await pythonReference(format, `${PY}/${file}`);
    const got = await ours(file, PY);
    expect(got).toEqual(expected);
    expect(got).toHaveLength(count);
  });

  it('reads a pip-compile requirements file: hashes, markers, -r includes, # via graph, source kinds, unpinned lines', async () => {
    const g = await readDependencyInputs(['requirements/requirements.txt'], { cwd: PY });
    expect(formatGraphText(g)).toBe(
      [
        '# 9 packages from requirements/requirements.txt',
        'pypi:flask@3.0.3  direct prod  via flask',
        'pypi:importlib-metadata@8.5.0  transitive prod markers="python_version < \\"3.10\\""  via flask > importlib-metadata',
        'pypi:itsdangerous@2.2.0  transitive prod  via flask > itsdangerous',
        'pypi:mylib@  direct prod git=git+https://gitlab.example.com/team/mylib.git@4f1c2a9d3b0e5f6a7b8c9d0e1f2a3b4c5d6e7f80  via mylib',
        'pypi:pluggy@1.5.0  transitive prod  via pytest > pluggy',
        'pypi:pytest@8.3.3  direct prod  via pytest',
        'pypi:setuptools@75.1.0  direct prod  via setuptools',
        'pypi:vendored-pkg@1.2.0  direct prod url=https://files.example.com/wheels/vendored_pkg-1.2.0-py3-none-any.whl  via vendored-pkg',
        'pypi:werkzeug@3.0.4  direct prod  via werkzeug',
        '# unpinned: requests >=2.31  (requirements/requirements.txt:25; not checked)',
        '',
      ].join('\n'),
    );
    const flask = g.packages.find((p) => p.name === 'flask')!;
    expect(flask.hashes).toEqual(['sha256:34e815dfaa43340d1d15a5c3a02b8476004037eb4840b34910c6e21679d288f3', 'sha256:ceb27b0af3823ea2737928a4d99d125a06175b8512c445cbd9a9ce200ef76842']);
    expect(flask.sources).toEqual(['requirements/requirements.txt']);
    expect(g.unpinned).toEqual([{ ecosystem: 'pypi', name: 'requests', requirement: 'requests >=2.31', file: 'requirements/requirements.txt', line: 25 }]);
  });

  it('reads uv.lock: workspace member as root, git and url sources, dev groups, extras, the same name at two versions', async () => {
    const g = await readDependencyInputs(['uv/uv.lock'], { cwd: PY });
    expect(formatGraphText(g)).toBe(
      [
        '# 7 packages from uv/uv.lock',
        'pypi:anyio@4.6.0  transitive prod  via httpx > anyio',
        'pypi:exceptiongroup@1.2.2  transitive prod  via httpx > anyio > exceptiongroup',
        'pypi:httpx@0.27.2  direct prod git=git+https://github.com/encode/httpx?rev=0.27.2#a7092afc1e4d6b63ac2ba8e4cfaf1b8b8d4c62e8  via httpx',
        'pypi:idna@3.10  transitive prod  via httpx > idna',
        'pypi:pytest@7.4.4  direct dev  via pytest',
        'pypi:pytest@8.3.3  direct dev  via pytest',
        'pypi:socksio@1.0.0  direct prod optional url=https://files.example.com/socksio-1.0.0-py3-none-any.whl  via socksio',
        '',
      ].join('\n'),
    );
    expect(g.packages.find((p) => p.name === 'anyio')!.hashes).toHaveLength(2);
  });

  it('reads poetry.lock with the pyproject.toml beside it: groups, optional extras, git source', async () => {
    const g = await readDependencyInputs(['poetry/poetry.lock'], { cwd: PY });
    const line = (n: string) => formatGraphText(g).split('\n').find((l) => l.startsWith(`pypi:${n}@`));
    expect(line('iniconfig')).toBe('pypi:iniconfig@2.0.0  transitive dev  via pytest > iniconfig');
    expect(line('zstandard')).toBe('pypi:zstandard@0.23.0  direct prod optional markers="extra == \\"zstd\\""  via zstandard');
    expect(line('poetry-core')).toContain('git=git+https://github.com/python-poetry/poetry-core.git@e3998b0e111dc03e4aa721fd054c48e5c7de6fc5');
    expect(g.warnings).toBeUndefined();
  });

  it('reads Pipfile.lock with its Pipfile: direct from the Pipfile, dev from develop, a git entry', async () => {
    const g = await readDependencyInputs(['pipenv/Pipfile.lock'], { cwd: PY });
    const text = formatGraphText(g);
    expect(text).toContain('pypi:certifi@2024.8.30  transitive prod markers="python_version >= \'3.6\'"  via certifi');
    expect(text).toContain('pypi:pytest@8.3.3  direct dev');
    expect(text).toContain('pypi:private-tool@  direct prod git=git+https://gitlab.example.com/team/private-tool.git@4f1c2a9d3b0e5f6a7b8c9d0e1f2a3b4c5d6e7f80');
  });

  it('reads pylock.toml: names normalised, dev from dependency_groups markers, optional from extras, the project folder left out', async () => {
    const g = await readDependencyInputs(['pylock/pylock.toml'], { cwd: PY });
    expect(g.packages.map((p) => `${p.name}@${p.version}${p.dev ? ' dev' : ''}${p.optional ? ' optional' : ''}`)).toEqual(['attrs@', 'certifi@2024.8.30', 'cryptography@43.0.1 optional', 'pytest@8.3.3 dev']);
    expect(g.packages[0]!.source).toBe('git');
  });

  it('sscs deps merges npm and Python inputs into one graph, ecosystems apart', async () => {
    const r = await runCli(['deps', 'uv/uv.lock', 'pipenv/Pipfile.lock', '../npm-v3/package-lock.json', '--format', 'json'], { cwd: PY });
    expect(r.exitCode).toBe(0);
    const g = JSON.parse(r.stdout) as { packages: { ecosystem: string; name: string; version: string; sources: string[] }[] };
    expect(g.packages.filter((p) => p.ecosystem === 'pypi')).toHaveLength(11);
    expect(g.packages.filter((p) => p.ecosystem === 'npm')).toHaveLength(24);
    // npm packages sort first, then PyPI's.
    expect(g.packages[0]!.ecosystem).toBe('npm');
    // pytest 8.3.3 is in both: one entry, both files.
    expect(g.packages.filter((p) => p.name === 'pytest' && p.version === '8.3.3').map((p) => p.sources)).toEqual([['uv/uv.lock', 'pipenv/Pipfile.lock']]);
  });
});

describe('the independent reader itself', () => {
  it('runs on this machine', async () => {
    const r = await execa(REFERENCE_PYTHON, ['-c', 'import tomllib; print("ok")'], { reject: false });
    expect(r.stdout).toBe('ok');
  });
});

describe('poetry.lock 1.x', () => {
  it('takes hashes from [metadata.files] and dev from category, with no pyproject.toml', async () => {
    const g = await readDependencyInputs(['poetry-1.1/poetry.lock'], { cwd: PY });
    expect(g.packages).toEqual([expect.objectContaining({ name: 'six', version: '1.16.0', dev: true, direct: true, hashes: ['sha256:8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254'] })]);
    expect(g.warnings?.[0]).toContain('no pyproject.toml beside it');
  });
});

describe('CycloneDX with pkg:pypi purls (shapes from cyclonedx-py)', () => {
  it('reads pypi components beside npm ones: normalised names, repository_url as the index, vcs_url as git, unversioned as unpinned', async () => {
    const g = await readDependencyInputs(['cyclonedx/bom.cdx.json'], { cwd: PY });
    expect(g.packages.map((p) => `${p.ecosystem}:${p.name}@${p.version} ${p.source}`)).toEqual(['npm:left-pad@1.3.0 registry', 'pypi:colorama@0.4.6 registry', 'pypi:django@5.0.6 registry', 'pypi:package-one@ git']);
    expect(g.packages.find((p) => p.name === 'django')!.hashes).toEqual(['sha256:8363ac062bb4ef7c3f12d078f6fa5d154031d129a15170a1066412af49d30905']);
    expect(g.packages.find((p) => p.name === 'package-one')!.resolved).toBe('git+https://github.com/path/to/package-one@41b95ec#egg=package-one');
    expect(g.warnings).toEqual([expect.stringContaining('1 component(s) name no version, so they cannot be checked: pkg:pypi/unpinned-thing (components[3])')]);
    expect(g.unpinned).toEqual([{ ecosystem: 'pypi', name: 'unpinned-thing', requirement: 'pkg:pypi/unpinned-thing (components[3])', file: 'cyclonedx/bom.cdx.json', line: 11 }]);
  });
});
