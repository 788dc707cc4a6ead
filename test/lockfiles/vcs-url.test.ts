import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../helper/src/errors.js';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { vcsLocationProblem } from '../../helper/src/lockfiles/vcs-url.js';
import { runCli } from '../support/cli.js';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'python');
const work = mkdtempSync(join(tmpdir(), 'sscs-vcs-url-'));
let n = 0;

/** A copy of a fixture folder with `from` replaced by `to` in its lockfile; returns the lockfile's path. */
function altered(fixture: string, lockfile: string, from: string, to: string): string {
  const dir = join(work, `${fixture}-${n++}`);
  cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  const text = readFileSync(join(dir, lockfile), 'utf8');
  expect(text).toContain(from);
  writeFileSync(join(dir, lockfile), text.replace(from, to));
  return join(dir, lockfile);
}

async function failure(path: string): Promise<InputError> {
  const e = await readDependencyInputs([path]).then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

const HOSTILE = 'javascript:alert(1)//';

describe('git sources name a location an installer fetches', () => {
  it.each([
    ['uv.lock', 'uv', 'uv.lock', 'git = "https://github.com/encode/httpx?rev=0.27.2#a7092afc1e4d6b63ac2ba8e4cfaf1b8b8d4c62e8"', `git = "${HOSTILE}"`, /\.git$/],
    ['poetry.lock', 'poetry', 'poetry.lock', 'url = "https://github.com/python-poetry/poetry-core.git"', `url = "${HOSTILE}"`, /\.url$/],
    ['pylock.toml', 'pylock', 'pylock.toml', 'url = "https://github.com/python-attrs/attrs"', `url = "${HOSTILE}"`, /\.vcs$/],
    ['Pipfile.lock', 'pipenv', 'Pipfile.lock', '"git": "https://gitlab.example.com/team/private-tool.git"', `"git": "${HOSTILE}"`, /\.git$/],
  ])('%s: a javascript: git URL is bad input naming the file and field', async (_what, fixture, lockfile, from, to, field) => {
    const e = await failure(altered(fixture, lockfile, from, to));
    expect(e.code).toBe('SCHEMA');
    expect(e.where?.file).toContain(lockfile);
    expect(e.where?.field).toMatch(field);
    expect(e.message).toContain("its scheme is 'git+javascript:'");
    expect(e.message).toContain('git+https:');
  });

  it('the fixtures git sources (git+https after the prefix is added) still read', async () => {
    const g = await readDependencyInputs(['uv', 'poetry', 'pylock', 'pipenv'].map((f) => join(FIXTURES, f, readdirSync(join(FIXTURES, f)).find((x) => /lock/i.test(x))!)));
    expect(g.packages.filter((p) => p.source === 'git').length).toBeGreaterThanOrEqual(4);
  });

  it('an SBOM vcs_url or download_url that no installer fetches is exit 2, quoting the scheme and not the URL', async () => {
    const bom = (purl: string) => {
      const file = join(work, `bom-${n++}.cdx.json`);
      writeFileSync(file, JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        metadata: { component: { 'bom-ref': 'root', name: 'app' } },
        components: [{ 'bom-ref': 'c1', name: 'left-pad', version: '1.3.0', purl }],
        dependencies: [{ ref: 'root', dependsOn: ['c1'] }],
      }, null, 2));
      return file;
    };
    for (const [purl, message] of [
      ['pkg:npm/left-pad@1.3.0?vcs_url=javascript:alert(document.cookie)', "components[0].purl's vcs_url names a git source where its scheme is 'javascript:'"],
      ['pkg:npm/left-pad@1.3.0?vcs_url=data:text/html,secret-token-1', "its scheme is 'data:'"],
      ['pkg:pypi/left-pad@1.3.0?vcs_url=github:u/r', "its scheme is 'github:', which is not a VCS location PyPI or git fetches"],
      ['pkg:npm/left-pad@1.3.0?download_url=javascript:secret-token-1', "components[0].purl's download_url is refused: its scheme is 'javascript:'"],
    ] as const) {
      const r = await runCli(['deps', bom(purl)]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain('field components[0].purl');
      expect(r.stderr).not.toContain('secret-token-1');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
    const ok = await runCli(['deps', bom('pkg:npm/left-pad@1.3.0?vcs_url=git%2Bssh://git%40github.com/u/left-pad.git%23abc')]);
    expect(ok.stdout).toContain('left-pad@1.3.0  direct prod git=git+ssh://git@github.com/u/left-pad.git#abc');
  });
});

describe('vcsLocationProblem', () => {
  it.each([
    ['npm', 'git+ssh://git@github.com/u/r.git#abc'],
    ['npm', 'git+https://github.com/u/r.git'],
    ['npm', 'git+file:///srv/repo.git'],
    ['npm', 'git://github.com/u/r.git'],
    ['npm', 'https://github.com/u/r.git'],
    ['npm', 'ssh://git@example.com/r.git'],
    ['npm', 'git@github.com:u/r.git'],
    ['npm', 'github:u/r#v1'],
    ['npm', 'GIT+HTTPS://github.com/u/r.git'],
    ['pypi', 'git+https://github.com/u/r@abc'],
    ['pypi', 'hg+https://hg.example.com/r'],
    ['pypi', 'svn+svn://svn.example.com/r'],
    ['pypi', 'bzr+lp:project'],
  ] as const)('%s accepts %s', (eco, url) => {
    expect(vcsLocationProblem(url, eco)).toBeUndefined();
  });

  it.each([
    ['npm', 'javascript:alert(1)', "its scheme is 'javascript:'"],
    ['npm', 'git+javascript://x', "its scheme is 'git+javascript:'"],
    ['npm', 'hg+https://hg.example.com/r', "its scheme is 'hg+https:'"],
    ['npm', 'file:///etc/passwd', "its scheme is 'file:'"],
    ['npm', 'https:evil', "'https:' is not followed by //host"],
    ['npm', 'git+https://github.com/u/r.git\nx', 'white space or control characters'],
    ['npm', 'u/r', 'it has no scheme'],
    ['pypi', 'github:u/r', "its scheme is 'github:'"],
    ['pypi', 'git+rsync://host/r', "its scheme is 'git+rsync:'"],
    ['pypi', 'ftp://host/r.git', "its scheme is 'ftp:'"],
  ] as const)('%s refuses %s', (eco, url, why) => {
    expect(vcsLocationProblem(url, eco)).toContain(why);
  });
});
