import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { runCli, type CliResult } from '../support/cli.js';
import { startFakeGitLab, type FakeGitLab } from '../support/gitlab-api.js';
import { tempDir } from '../support/tmp.js';

/**
 * `sscs release upload` puts file names, the package name, the version and the tag into the package registry's
 * URLs and the release's links, which everyone who can read the project sees long after the job, and --format
 * json prints the paths as data, where the redactor would show `[REDACTED]`. A secret's value in any of them is
 * refused (exit 2) before any request, naming the variable and the part, never the value.
 */
const TOKEN = 'glcbt-job-token-that-must-never-be-printed';
const SECRET = 'hunter2-Deploy-Password-99';
const dir = tempDir({ 'att.json': '{}\n', [`att-${SECRET}.json`]: '{}\n', [`d-${SECRET}/att.json`]: '{}\n', [`tok-${TOKEN}.json`]: '{}\n' });
let gitlab: FakeGitLab;
const env = () => ({ CI_API_V4_URL: gitlab.apiUrl, CI_PROJECT_ID: '1217', CI_JOB_TOKEN: TOKEN, DEPLOY_PASSWORD: SECRET });

beforeAll(async () => {
  gitlab = await startFakeGitLab({ projectId: '1217', jobToken: TOKEN, releases: ['v1.0.0'] });
});
afterAll(async () => {
  await gitlab?.close();
});

function published(): string {
  return `${gitlab.requests.join('\n')}\n${[...gitlab.packages.keys()].join('\n')}\n${JSON.stringify([...gitlab.releases.values()])}`;
}

function expectRefused(r: CliResult, message: string, variable: string, value: string, requestsBefore: number): void {
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stderr).toContain(`sscs: error: ${message} holds the value of the secret variable ${variable}\n`);
  expect(r.stdout).toBe('');
  expect(`${r.stdout}${r.stderr}`).not.toContain(value);
  expect(r.stderr).not.toContain('[REDACTED]');
  // Nothing was sent: the value is in no URL, link or upload.
  expect(gitlab.requests.length).toBe(requestsBefore);
  expect(published()).not.toContain(value);
}

const UPLOAD = ['release', 'upload'];
const CASES: Array<{ name: string; args: string[]; message: string }> = [
  { name: 'a file name', args: [`att-${SECRET}.json`, '--package', 'p', '--version', '1.0.0'], message: 'refusing to publish the files: argument 2 (the name of a file to publish)' },
  { name: 'a second file name, with --format json', args: ['att.json', `att-${SECRET}.json`, '--package', 'p', '--version', '1.0.0', '--format', 'json'], message: 'refusing to publish the files: argument 3 (a file to publish)' },
  { name: 'a folder name that --format json prints', args: [`d-${SECRET}/att.json`, '--package', 'p', '--version', '1.0.0', '--format', 'json'], message: 'refusing to publish the files: argument 2 (a file to publish)' },
  { name: 'the package name', args: ['att.json', '--package', `p-${SECRET}`, '--version', '1.0.0'], message: 'refusing to publish the files: the --package name' },
  { name: 'the version', args: ['att.json', '--package', 'p', '--version', `1.0.0-${SECRET}`], message: 'refusing to publish the files: the --version value' },
  { name: 'the tag', args: ['att.json', '--package', 'p', '--version', '1.0.0', '--tag', `v-${SECRET}`], message: 'refusing to publish the files: the --tag value' },
];

describe('release upload with a secret value in a name', () => {
  it.each(CASES)('$name: refused with exit 2 before any request', async ({ args, message }) => {
    const before = gitlab.requests.length;
    expectRefused(await runCli([...UPLOAD, ...args], { cwd: dir, env: env() }), message, 'DEPLOY_PASSWORD', SECRET, before);
  });

  it('refuses the job token in a file name when --token-env names a variable the redactor does not know', async () => {
    const before = gitlab.requests.length;
    const { CI_JOB_TOKEN: _, ...rest } = env();
    const r = await runCli([...UPLOAD, `tok-${TOKEN}.json`, '--package', 'p', '--version', '1.0.0', '--token-env', 'GL_RELEASE'], { cwd: dir, env: { ...rest, GL_RELEASE: TOKEN } });
    expectRefused(r, 'refusing to publish the files: argument 2 (the name of a file to publish)', 'GL_RELEASE', TOKEN, before);
  });

  it('hides the value of the --token-env variable in a human message, whatever its name', async () => {
    const { CI_JOB_TOKEN: _, ...rest } = env();
    const r = await runCli([...UPLOAD, 'att.json', '--package', 'p', '--version', '1.0.0', '--token-env', 'GL_RELEASE', '--format', `x${TOKEN}`], { cwd: dir, env: { ...rest, GL_RELEASE: TOKEN } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain("--format must be one of text, json, not 'x[REDACTED]'");
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('publishes ordinary names with a secret set; a folder name only a text log line shows is not published', async () => {
    const json = await runCli([...UPLOAD, 'att.json', '--package', 'p', '--version', '2.0.0', '--format', 'json'], { cwd: dir, env: env() });
    expect(json.exitCode, json.stderr).toBe(0);
    expect((JSON.parse(json.stdout) as { files: { file: string }[] }).files.map((f) => f.file)).toEqual(['att.json']);
    const text = await runCli([...UPLOAD, join(`d-${SECRET}`, 'att.json'), '--package', 'p', '--version', '3.0.0'], { cwd: dir, env: env() });
    expect(text.exitCode, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^uploaded /);
    expect(text.stdout + text.stderr).not.toContain(SECRET);
    expect([...gitlab.packages.keys()]).toContain('p/3.0.0/att.json');
    expect(published()).not.toContain(SECRET);
  });
});
