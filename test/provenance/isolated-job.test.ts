import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { tempDir } from '../support/tmp.js';
import { templateJob } from '../support/template-job.js';
import { gitlabClaims, gitlabJobEnv, unsignedJwt } from '../support/gitlab-env.js';
import { runCli } from '../support/cli.js';

/**
 * The isolated provenance job runs its script as a runner would, over files a build job handed it. The
 * build job is the adversary here: whatever it names its files, the job signs only what it received.
 */
const { run } = templateJob('isolated-provenance.yml');
const env = gitlabJobEnv({ SIGSTORE_ID_TOKEN: unsignedJwt(gitlabClaims()), CI_JOB_NAME: 'provenance' });
// Signing is not under test here: a missing signing config stops the job right after the statement is written.
const inputs = (subjects: string) => ({ build_job: 'build', subjects, signing_config: 'no-such-signing-config.json' });
const EVIL_DIGEST = 'e'.repeat(64);

function subjectsOf(dir: string): { name: string; digest: { sha256: string } }[] | undefined {
  const file = join(dir, 'attestations/provenance.intoto.jsonl');
  if (!existsSync(file)) return undefined;
  return readFileSync(file, 'utf8').trim().split('\n').flatMap((l) => JSON.parse(l).subject);
}

describe('isolated-provenance job', () => {
  it('a file name cannot forge a signed subject: a name with a newline stops the job before anything is written', async () => {
    const dir = tempDir({ 'dist/app.tgz': 'app', [`dist/z\n${EVIL_DIGEST}  evil.tgz`]: '' });
    const r = await run(dir, inputs('dist'), env);
    const signed = subjectsOf(dir);
    expect(signed?.map((s) => s.name) ?? []).not.toContain('evil.tgz');
    expect(JSON.stringify(signed ?? [])).not.toContain(EVIL_DIGEST);
    expect(r.exitCode).toBe(2);
    expect(r.all).toContain('holds a control character (U+000A)');
    expect(signed).toBeUndefined();
  });

  it('takes its subjects straight from the files it received, patterns unexpanded by the shell', async () => {
    const dir = tempDir({ 'dist/app.tgz': 'app', 'dist/with space.tgz': 'space', 'dist/.hidden.tgz': 'hidden', 'dist/notes.txt': 'n' });
    const r = await run(dir, inputs('dist/*.tgz'), env);
    expect(r.all).toContain('wrote 1 statement covering 3 subjects');
    const names = ['dist/.hidden.tgz', 'dist/app.tgz', 'dist/with space.tgz'];
    const ref = await execa('sha256sum', names, { cwd: dir });
    const expected = ref.stdout.split('\n').map((l) => ({ name: l.slice(66), digest: { sha256: l.slice(0, 64) } }));
    expect(subjectsOf(dir)).toEqual(expected);
    // No text file stands between the walk and the statement.
    expect(existsSync(join(dir, 'attestations/subjects.sha256'))).toBe(false);
  });
});

describe('sscs provenance --builder isolated', () => {
  // SLSA Build L3 rests on the isolated job computing every digest itself: a checksums file is the build's word.
  it.each([
    ['a wrong digest for a file that exists', `${EVIL_DIGEST}  dist/app.tgz\n`],
    ['a file that does not exist', `${EVIL_DIGEST}  dist/never-built.tgz\n`],
  ])('refuses --subject-checksums (exit 2) and writes nothing, even for %s', async (_what, sums) => {
    const dir = tempDir({ 'dist/app.tgz': 'app', SHA256SUMS: sums });
    for (const local of [[], ['--local']]) {
      const r = await runCli(['provenance', ...local, '--builder', 'isolated', '--subject-checksums', 'SHA256SUMS', '--output', 'p.intoto.jsonl'], { cwd: dir, env });
      expect(r.exitCode, r.stderr).toBe(2);
      expect(r.stderr).toContain('--subject-checksums cannot be used with --builder isolated');
      expect(r.stderr).toContain('--subject');
      expect(existsSync(join(dir, 'p.intoto.jsonl'))).toBe(false);
    }
  });

  it('its help shows no isolated example with a checksums file', async () => {
    const r = await runCli(['provenance', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).not.toMatch(/--builder isolated[^\n]*--subject-checksums/);
    expect(r.stdout).toMatch(/--builder isolated --subject /);
  });
});
