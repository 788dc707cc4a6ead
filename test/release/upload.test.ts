import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { runCli } from '../support/cli.js';
import { startFakeGitLab, type FakeGitLab } from '../support/gitlab-api.js';

const TOKEN = 'glcbt-job-token-that-must-never-be-printed';
let gitlab: FakeGitLab;
let dir: string;
const env = () => ({ CI_API_V4_URL: gitlab.apiUrl, CI_PROJECT_ID: '1217', CI_JOB_TOKEN: TOKEN });

beforeAll(async () => {
  gitlab = await startFakeGitLab({ projectId: '1217', jobToken: TOKEN, releases: ['v1.0.0'] });
  dir = mkdtempSync(join(tmpdir(), 'sscs-release-'));
  writeFileSync(join(dir, 'provenance.intoto.jsonl'), '{"_type":"https://in-toto.io/Statement/v1"}\n');
  writeFileSync(join(dir, 'provenance.sigstore.json'), '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
});
afterAll(async () => {
  await gitlab?.close();
});

describe('release upload', () => {
  it('uploads to the generic package registry and links the files from an existing release', async () => {
    const r = await runCli(['release', 'upload', 'provenance.intoto.jsonl', 'provenance.sigstore.json', '--package', 'attestations', '--version', 'v1.0.0', '--tag', 'v1.0.0', '--format', 'json'], { cwd: dir, env: env() });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const out = JSON.parse(r.stdout);
    const sha = createHash('sha256').update('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}').digest('hex');
    expect(out.files[1]).toEqual({ file: 'provenance.sigstore.json', sha256: sha, url: `${gitlab.apiUrl}/projects/1217/packages/generic/attestations/v1.0.0/provenance.sigstore.json` });
    expect(out.release).toEqual({ tag: 'v1.0.0', created: false, links: 2 });
    expect([...gitlab.packages.keys()].sort()).toEqual(['attestations/v1.0.0/provenance.intoto.jsonl', 'attestations/v1.0.0/provenance.sigstore.json']);
    expect(gitlab.releases.get('v1.0.0')!.links.map((l) => [l.name, l.direct_asset_path, l.link_type])).toEqual([
      ['provenance.intoto.jsonl', '/attestations/provenance.intoto.jsonl', 'other'],
      ['provenance.sigstore.json', '/attestations/provenance.sigstore.json', 'other'],
    ]);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('creates the release with its links when the tag has none', async () => {
    const r = await runCli(['release', 'upload', 'provenance.sigstore.json', '--package', 'attestations', '--version', 'v2.0.0', '--tag', 'v2.0.0'], { cwd: dir, env: env() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('created release v2.0.0 (1 links)');
    expect(gitlab.releases.get('v2.0.0')!.links).toEqual([
      { name: 'provenance.sigstore.json', url: `${gitlab.apiUrl}/projects/1217/packages/generic/attestations/v2.0.0/provenance.sigstore.json`, direct_asset_path: '/attestations/provenance.sigstore.json', link_type: 'other' },
    ]);
  });

  it('fails with exit 2 and the status when GitLab refuses the token, without printing it', async () => {
    const r = await runCli(['release', 'upload', 'provenance.sigstore.json', '--package', 'attestations', '--version', 'v3'], { cwd: dir, env: { ...env(), CI_JOB_TOKEN: `${TOKEN}-wrong` } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/answered 401/);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
  });

  it('refuses a file outside the working folder and an invalid package name before any request', async () => {
    const before = gitlab.requests.length;
    const outside = await runCli(['release', 'upload', '../etc-passwd', '--package', 'attestations', '--version', 'v1'], { cwd: dir, env: env() });
    expect(outside.exitCode).toBe(2);
    expect(outside.stderr).toContain("file to publish '../etc-passwd' is outside");
    const badName = await runCli(['release', 'upload', 'provenance.sigstore.json', '--package', 'a/b', '--version', 'v1'], { cwd: dir, env: env() });
    expect(badName.exitCode).toBe(2);
    expect(badName.stderr).toContain("package name 'a/b'");
    expect(gitlab.requests.length).toBe(before);
  });

  it('says what is missing outside a job', async () => {
    const r = await runCli(['release', 'upload', 'provenance.sigstore.json', '--package', 'attestations', '--version', 'v1'], { cwd: dir, env: {} });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('no GitLab API URL');
  });
});

describe('release upload, retried', () => {
  it('passes when the release already links the same files, and fails when a link of that name points elsewhere', async () => {
    const args = ['release', 'upload', 'provenance.sigstore.json', '--package', 'attestations', '--version', 'v5.0.0', '--tag', 'v5.0.0'];
    expect((await runCli(args, { cwd: dir, env: env() })).exitCode).toBe(0);
    const again = await runCli(args, { cwd: dir, env: env() });
    expect(again.stderr).toBe('');
    expect(again.stdout).toContain('linked from release v5.0.0 (1 links)');
    expect(gitlab.releases.get('v5.0.0')!.links).toHaveLength(1);

    const elsewhere = await runCli(['release', 'upload', 'provenance.sigstore.json', '--package', 'other', '--version', 'v5.0.0', '--tag', 'v5.0.0'], { cwd: dir, env: env() });
    expect(elsewhere.exitCode).toBe(2);
    expect(elsewhere.stderr).toMatch(/answered 400/);
  });
});

describe('release upload, with a missing file', () => {
  it('uploads nothing', async () => {
    const before = gitlab.packages.size;
    const r = await runCli(['release', 'upload', 'provenance.sigstore.json', 'missing.intoto.jsonl', '--package', 'attestations', '--version', 'v4'], { cwd: dir, env: env() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('missing.intoto.jsonl: no such file or folder');
    expect(gitlab.packages.size).toBe(before);
  });
});

describe('release upload refuses what it must not publish', () => {
  it('refuses a symlink that leads out of the project, uploading nothing', async () => {
    const { symlinkSync } = await import('node:fs');
    const outside = mkdtempSync(join(tmpdir(), 'sscs-outside-'));
    writeFileSync(join(outside, 'secret.txt'), 'SECRET-OUTSIDE-ROOT\n');
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'attest.json'));
    const before = gitlab.packages.size;
    const r = await runCli(['release', 'upload', 'attest.json', '--package', 'p', '--version', '1.0.0'], { cwd: dir, env: env() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('outside the project folder');
    expect(gitlab.packages.size).toBe(before);
  });

  it('rejects a long near-miss version at once (no catastrophic backtracking)', async () => {
    const r = await runCli(['release', 'upload', 'provenance.intoto.jsonl', '--package', 'p', '--version', `${'a'.repeat(40)}!`], { cwd: dir, env: env() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('is not a valid generic package version');
  });

  it('reports an answer that stalls after its headers as a timeout, not an internal error', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runCli(['release', 'upload', 'provenance.intoto.jsonl', '--package', 'p', '--version', '1.0.0', '--api-url', `http://127.0.0.1:${port}/api/v4`, '--timeout-ms', '1000'], { cwd: dir, env: env() });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('did not finish within 1000 ms');
      expect(r.stderr).not.toContain('internal error');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
