import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, symlinkSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';
import { BUILD_TYPE, BUILDER_ID_BUILD_JOB, BUILDER_ID_ISOLATED } from '../../helper/src/provenance/constants.js';
import { validateProvenanceStatement } from '../../helper/src/provenance/validate.js';

const files = {
  'dist/app.tgz': Buffer.alloc(300_000, 7),
  'dist/js/index.js': 'console.log("hi")\n',
  'dist/js/.map/index.js.map': '{}',
  'dist/readme.txt': 'read me\n',
  'src/main.ts': 'export {}\n',
};

function readStatements(path: string): any[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
}

async function sha256sum(cwd: string, names: string[]): Promise<Map<string, string>> {
  const { stdout } = await execa('sha256sum', names, { cwd });
  return new Map(stdout.split('\n').map((l) => [l.slice(66), l.slice(0, 64)]));
}

describe('sscs provenance', () => {
  const token = unsignedJwt(gitlabClaims());
  const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: token });

  it('writes a valid SLSA v1 statement whose digests match sha256sum, and no secret', async () => {
    const dir = tempDir(files);
    const r = await runCli(['provenance', '--subject', 'dist/**', '--output', 'p.intoto.jsonl'], { cwd: dir, env });
    expect(r.stderr).toBe('sscs provenance: wrote 1 statement covering 4 subjects to p.intoto.jsonl\n');
    expect(r.exitCode).toBe(0);
    const [s] = readStatements(join(dir, 'p.intoto.jsonl'));
    validateProvenanceStatement(s);
    const names = ['dist/app.tgz', 'dist/js/.map/index.js.map', 'dist/js/index.js', 'dist/readme.txt'];
    expect(s.subject.map((x: any) => x.name)).toEqual(names);
    const expected = await sha256sum(dir, names);
    for (const x of s.subject) expect(x.digest.sha256).toBe(expected.get(x.name));
    const def = s.predicate.buildDefinition;
    expect(def.buildType).toBe(BUILD_TYPE);
    expect(def.externalParameters).toEqual({
      source: { repository: 'https://gitlab.example/group/project', ref: 'refs/heads/main' },
      config: { path: '.gitlab-ci.yml', refUri: 'gitlab.example/group/project//.gitlab-ci.yml@refs/heads/main', sha: '3f786850e387550fdab836ed7e6dc881de23001b' },
      pipeline: { source: 'push' },
      job: { name: 'build' },
    });
    expect(def.internalParameters.trust).toEqual({ mode: 'build-job', factsFrom: 'token' });
    expect(def.resolvedDependencies[0]).toEqual({ uri: 'git+https://gitlab.example/group/project@refs/heads/main', digest: { gitCommit: '3f786850e387550fdab836ed7e6dc881de23001b' } });
    expect(def.resolvedDependencies[1]).toEqual({ uri: 'oci://node:22', digest: { sha256: '1'.repeat(64) } });
    expect(s.predicate.runDetails.builder.id).toBe(BUILDER_ID_BUILD_JOB);
    expect(s.predicate.runDetails.metadata).toMatchObject({ invocationId: 'https://gitlab.example/group/project/-/jobs/777', startedOn: '2026-11-29T10:00:00Z' });
    const everything = `${r.stdout}${r.stderr}${readFileSync(join(dir, 'p.intoto.jsonl'), 'utf8')}`;
    for (const secret of [token, env.CI_JOB_TOKEN, env.CI_REGISTRY_PASSWORD]) expect(everything).not.toContain(secret);
  });

  it('names the isolated builder for the SLSA Build L3 pattern', async () => {
    const dir = tempDir(files);
    const r = await runCli(['provenance', '--builder', 'isolated', '--subject', 'dist/app.tgz', '--format', 'json', '-o', 'p.jsonl'], { cwd: dir, env });
    expect(JSON.parse(r.stdout)).toEqual({ output: 'p.jsonl', statements: 1, subjects: 1, builder: BUILDER_ID_ISOLATED });
  });

  it('fails with exit 2 when the environment disagrees with the token', async () => {
    const dir = tempDir(files);
    const r = await runCli(['provenance', '--subject', 'dist/**', '-o', 'p.jsonl'], { cwd: dir, env: { ...env, CI_COMMIT_REF_NAME: 'hotfix' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("CI_COMMIT_REF_NAME='hotfix' but the token's ref claim is 'main'");
    expect(r.stderr).not.toContain(token);
  });

  it('records allow-listed variables and component inputs, and refuses secrets', async () => {
    const dir = tempDir(files);
    const ok = await runCli(['provenance', '--subject', 'dist/app.tgz', '--allow-variable', 'NODE_ENV', '--input', 'stage=build', '-o', 'p.jsonl'], { cwd: dir, env: { ...env, NODE_ENV: 'production' } });
    expect(ok.exitCode).toBe(0);
    const ext = readStatements(join(dir, 'p.jsonl'))[0].predicate.buildDefinition.externalParameters;
    expect(ext.variables).toEqual({ NODE_ENV: 'production' });
    expect(ext.inputs).toEqual({ stage: 'build' });
    for (const name of ['CI_JOB_TOKEN', 'SIGSTORE_ID_TOKEN', 'DEPLOY_PASSWORD']) {
      const r = await runCli(['provenance', '--subject', 'dist/app.tgz', '--allow-variable', name], { cwd: dir, env: { ...env, DEPLOY_PASSWORD: 'hunter2-hunter2' } });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`--allow-variable ${name}: refusing to record a secret`);
      expect(r.stdout).toBe('');
    }
  });

  it('splits past --max-subjects-per-statement', async () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 2500; i++) many[`out/f${String(i).padStart(4, '0')}.txt`] = `file ${i}\n`;
    const dir = tempDir(many);
    const r = await runCli(['provenance', '--subject', 'out', '-o', 'p.jsonl'], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    const statements = readStatements(join(dir, 'p.jsonl'));
    expect(statements.map((s) => s.subject.length)).toEqual([1024, 1024, 452]);
    const all = statements.flatMap((s) => s.subject);
    expect(all[0]).toEqual({ name: 'out/f0000.txt', digest: { sha256: (await sha256sum(dir, ['out/f0000.txt'])).get('out/f0000.txt') } });
    expect(all.at(-1).name).toBe('out/f2499.txt');
  });

  it('takes subjects from a checksums file, an image digest and tar members', async () => {
    const dir = tempDir(files);
    const sums = await execa('sha256sum', ['dist/app.tgz'], { cwd: dir });
    writeFileSync(join(dir, 'SHA256SUMS'), `${sums.stdout}\nSHA256 (other.bin) = ${'c'.repeat(64)}\n`);
    await execa('tar', ['-czf', 'bundle.tar.gz', 'dist/js', 'src'], { cwd: dir });
    const image = `registry.example.com:5000/group/app:1.0@sha256:${'d'.repeat(64)}`;
    const r = await runCli(['provenance', '--subject-checksums', 'SHA256SUMS', '--image', image, '--subject-tar', 'bundle.tar.gz', '-o', 'p.jsonl'], { cwd: dir, env });
    expect(r.stderr).toContain('covering 6 subjects');
    const subjects = readStatements(join(dir, 'p.jsonl'))[0].subject;
    const members = await sha256sum(dir, ['dist/js/index.js', 'dist/js/.map/index.js.map', 'src/main.ts']);
    expect(subjects).toEqual([
      { name: 'dist/app.tgz', digest: { sha256: sums.stdout.slice(0, 64) } },
      { name: 'dist/js/.map/index.js.map', digest: { sha256: members.get('dist/js/.map/index.js.map') } },
      { name: 'dist/js/index.js', digest: { sha256: members.get('dist/js/index.js') } },
      { name: 'other.bin', digest: { sha256: 'c'.repeat(64) } },
      { name: 'registry.example.com:5000/group/app', digest: { sha256: 'd'.repeat(64) } },
      { name: 'src/main.ts', digest: { sha256: members.get('src/main.ts') } },
    ]);
  });

  it('computes sha512 on request', async () => {
    const dir = tempDir(files);
    await runCli(['provenance', '--subject', 'dist/readme.txt', '--sha512', '-o', 'p.jsonl'], { cwd: dir, env });
    const { stdout } = await execa('sha512sum', ['dist/readme.txt'], { cwd: dir });
    expect(readStatements(join(dir, 'p.jsonl'))[0].subject[0].digest.sha512).toBe(stdout.slice(0, 128));
  });

  it('refuses a symlink that leaves the project folder', async () => {
    const dir = tempDir(files);
    symlinkSync('/etc/hostname', join(dir, 'dist/escape'));
    const r = await runCli(['provenance', '--subject', 'dist/**', '-o', 'p.jsonl'], { cwd: dir, env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/dist\/escape: resolves to \/etc\/hostname, outside the project folder/);
  });

  it('follows a symlink that stays inside the project, and survives a loop', async () => {
    const dir = tempDir(files);
    symlinkSync('../src/main.ts', join(dir, 'dist/main-link.ts'));
    mkdirSync(join(dir, 'dist/loop'));
    symlinkSync('..', join(dir, 'dist/loop/up'));
    const r = await runCli(['provenance', '--subject', 'dist', '-o', 'p.jsonl'], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    const names = readStatements(join(dir, 'p.jsonl'))[0].subject.map((s: any) => s.name);
    expect(names).toContain('dist/main-link.ts');
    expect(names.filter((n: string) => n.includes('loop'))).toEqual([]);
  });

  it('writes into folders it creates and replaces an older file whole, leaving no temporary file', async () => {
    const dir = tempDir({ ...files, 'out/deep/p.jsonl': 'old\n' });
    const r = await runCli(['provenance', '--subject', 'dist/**', '-o', 'out/deep/p.jsonl', '--max-subjects-per-statement', '3'], { cwd: dir, env });
    expect(r.exitCode).toBe(0);
    const statements = readStatements(join(dir, 'out/deep/p.jsonl'));
    expect(statements.map((s) => s.subject.length)).toEqual([3, 1]);
    for (const s of statements) validateProvenanceStatement(s);
    expect(readdirSync(join(dir, 'out/deep'))).toEqual(['p.jsonl']);
    const fresh = await runCli(['provenance', '--subject', 'dist/readme.txt', '-o', 'new/a/b/p.jsonl'], { cwd: dir, env });
    expect(fresh.exitCode).toBe(0);
    expect(readStatements(join(dir, 'new/a/b/p.jsonl'))[0].subject).toEqual([{ name: 'dist/readme.txt', digest: { sha256: (await sha256sum(dir, ['dist/readme.txt'])).get('dist/readme.txt') } }]);
  });

  it.each([
    [['--subject', 'build/**'], "--subject 'build/**' matched no files"],
    [['--subject', '../outside'], 'outside the project folder'],
    [['--image', 'app:latest'], "'app:latest' is not an image reference by digest"],
    [['--subject-checksums', '/etc/hostname'], 'outside the project folder'],
    [['--subject', 'dist/app.tgz', '-o', 'dist/app.tgz/p.jsonl'], 'dist/app.tgz is not a folder'],
    [['--subject', 'dist/app.tgz', '-o', '/proc/sscs-none/p.jsonl'], "cannot write: ENOENT: no such file or directory, mkdir '/proc/sscs-none'"],
    [[], 'no subjects'],
  ])('fails with exit 2 and a clear message: %j', async (args, message) => {
    const dir = tempDir(files);
    const r = await runCli(['provenance', ...args], { cwd: dir, env });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
