/**
 * `sscs scan` reports registry metadata signals when it is given the package's registry document: from a
 * file (`--packument`, our fixture shaped as registry.npmjs.org's full form) or fetched from a registry-like
 * upstream (`--registry`). Without one it reports none: a tarball does not say who published it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { packTree, tempDir } from './support.js';

const FIXTURE = fileURLToPath(new URL('../registry/fixtures/history-packument.json', import.meta.url));
const DAY = 24 * 3_600_000;

let work: { dir: string; cleanup(): Promise<void> };
let stolen: string;
let own: string;
let r: NpmRegistry;
beforeAll(async () => {
  work = await tempDir('sscs-scan-signals-');
  stolen = await packTree(work.dir, 'tokenised', { version: '1.4.1', scripts: { postinstall: 'node telemetry.js' } }, { 'telemetry.js': 'module.exports = 1;\n' });
  own = await packTree(work.dir, 'other', { version: '2.0.0' });
  r = await startNpmRegistry();
  await r.publish({ name: 'tokenised', version: '1.4.0', publishedAt: new Date(Date.now() - 90 * DAY), publisher: 'ci', provenance: true });
  await r.publish({ name: 'tokenised', version: '1.4.1', publishedAt: new Date(Date.now() - DAY), publisher: 'intruder', scripts: { postinstall: 'node telemetry.js' } });
});
afterAll(async () => {
  await r?.close();
  await work?.cleanup();
});

const registryFindings = (out: { findings: { rule: string }[] }) => out.findings.filter((f) => f.rule.startsWith('registry-')).map((f) => f.rule);

describe('sscs scan: registry metadata signals', () => {
  it('reads them from a saved registry document', async () => {
    const res = await runCli(['scan', stolen, '--packument', FIXTURE, '--format', 'json', '--fail-on', 'medium']);
    const out = JSON.parse(res.stdout);
    expect(registryFindings(out)).toEqual(['registry-provenance-dropped', 'registry-install-script-added', 'registry-publisher-changed']);
    expect(out.findings.find((f: { rule: string }) => f.rule === 'registry-publisher-changed')).toEqual({
      rule: 'registry-publisher-changed',
      severity: 'low',
      file: 'package.json',
      evidence: 'tokenised@1.4.1',
      message: 'registry metadata: published by bob, who published none of the 3 versions before it (the previous: GitHub Actions)',
    });
    expect(out.registry).toMatchObject({ source: FIXTURE });
    expect(res.exitCode).toBe(1);
  });

  it('fetches them from a registry', async () => {
    const res = await runCli(['scan', stolen, '--registry', `${r.url}/`, '--format', 'json', '--fail-on', 'none']);
    expect(res.exitCode).toBe(0);
    expect(registryFindings(JSON.parse(res.stdout))).toEqual(['registry-provenance-dropped', 'registry-install-script-added', 'registry-publisher-changed']);
    const text = await runCli(['scan', stolen, '--registry', `${r.url}/`, '--fail-on', 'none']);
    expect(text.stdout).toContain(`MEDIUM   registry-provenance-dropped  package.json\n         registry metadata: has no provenance attestation, but the version published 1 before it had one\n`);
    expect(text.stdout).toContain(`registry metadata (${r.url}/): read\n`);
  });

  it('says what it cannot tell: a version the registry does not list', async () => {
    const res = await runCli(['scan', own, '--registry', `${r.url}/`, '--format', 'json', '--fail-on', 'none']);
    expect(JSON.parse(res.stdout).registry).toEqual({ source: `${r.url}/`, signals: [], error: 'other is not in the registry' });
  });

  it('refuses a document for another package, and both flags at once', async () => {
    const wrong = await runCli(['scan', own, '--packument', FIXTURE]);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('the registry document is for tokenised, not other');
    const both = await runCli(['scan', stolen, '--packument', FIXTURE, '--registry', `${r.url}/`]);
    expect(both.exitCode).toBe(2);
  });

  it('never echoes credentials in a --registry URL, and bounds an unreachable registry', async () => {
    const res = await runCli(['scan', stolen, '--registry', 'https://someone:s3cr3t-value@127.0.0.1:1/']);
    expect(res.exitCode).toBe(2);
    expect(res.stdout + res.stderr).not.toContain('s3cr3t-value');
    const down = await runCli(['scan', stolen, '--registry', 'http://127.0.0.1:1/']);
    expect(down.exitCode).not.toBe(0);
    expect(down.stderr).toContain('registry http://127.0.0.1:1 unreachable');
  });

  it('reports none without a registry document', async () => {
    const res = await runCli(['scan', stolen, '--format', 'json', '--fail-on', 'none']);
    const out = JSON.parse(res.stdout);
    expect(registryFindings(out)).toEqual([]);
    expect(out.registry).toBeUndefined();
  });
});
