/**
 * `sscs firewall run`: a proxy or a pip setting in the job's environment cannot take the install's traffic to the
 * firewall, nor add a source beside it (review F3, F4). A recording proxy on 127.0.0.1 must see no request; the
 * install still succeeds (the firewall's host is in NO_PROXY). pip is Debian's 23.0.1 in a venv: pip applies its
 * own proxy (PIP_PROXY, --proxy) even to a host in NO_PROXY, and reads `PIP_<OPTION>` with the option's name
 * lower-cased and `_` read as `-` (pip's configuration.py), so `PIP_FIND-LINKS` is its find-links.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/cli.js';
import { startNpmRegistry, type NpmRegistry } from '../support/npm-registry.js';
import { pipEnv, pipFreeze, pipOf, venv } from '../support/pip-clients.ts';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
const POLICY = 'version: 1\nrules:\n  - id: deny-bad-tiny\n    match: "pkg:pypi/tiny-lib@==1.0.0"\n    action: deny\n    reason: known bad release\n';

/** An HTTP proxy that records what reaches it and answers 502 (CONNECT included). */
interface RecordingProxy {
  url: string;
  hostPort: string;
  seen: string[];
  close(): Promise<void>;
}

async function recordingProxy(): Promise<RecordingProxy> {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    res.writeHead(502).end('recording proxy');
  });
  server.on('connect', (req, socket) => {
    seen.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const hostPort = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `http://${hostPort}`, hostPort, seen, close: () => new Promise((r) => server.close(() => r())) };
}

let index: PypiIndex;
let proxy: RecordingProxy;
let home: string;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'tiny-lib', version: '1.0.0', kinds: ['wheel'], uploadedAt: OLD });
  index.publish({ name: 'tiny-lib', version: '1.1.0', kinds: ['wheel'], uploadedAt: OLD });
  proxy = await recordingProxy();
  home = await venv();
}, 120_000);
afterAll(async () => {
  index?.close();
  await proxy?.close();
});

const pypiArgs = () => ['--upstream', 'http://127.0.0.1:9/', '--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl];

async function project(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-proxy-'));
  await writeFile(join(dir, 'policy.yml'), POLICY);
  return dir;
}

const firewallRun = (dir: string, command: string[], env: Record<string, string>) =>
  runCli(['firewall', 'run', '--policy', 'policy.yml', ...pypiArgs(), '--', ...command], { cwd: dir, env: pipEnv(home, env), timeoutMs: 180_000 });

/** `pip download` asks the index every time (an install would find the version already installed). */
const download = (dir: string) => [pipOf(home), 'download', '--no-cache-dir', '--no-deps', '-d', join(dir, 'wheels'), 'tiny-lib==1.1.0'];

describe('firewall run: the job\'s proxies do not see the install\'s traffic to the firewall', () => {
  const cases: [string, (p: RecordingProxy) => Record<string, string>][] = [
    ['HTTP_PROXY, HTTPS_PROXY and ALL_PROXY', (p) => ({ HTTP_PROXY: p.url, HTTPS_PROXY: p.url, ALL_PROXY: p.url })],
    ['http_proxy and all_proxy in lower case, a job NO_PROXY without the firewall', (p) => ({ http_proxy: p.url, all_proxy: p.url, NO_PROXY: 'example.com', no_proxy: 'example.org' })],
    ['PIP_PROXY without a scheme', (p) => ({ PIP_PROXY: p.hostPort })],
    ['PIP_proxy and PIP_--PROXY, as pip reads them too', (p) => ({ PIP_proxy: p.url, 'PIP_--PROXY': p.url })],
  ];
  for (const [what, env] of cases) {
    it(`${what}: pip downloads through the firewall, and the proxy sees nothing`, async () => {
      const dir = await project();
      const since = proxy.seen.length;
      const r = await firewallRun(dir, download(dir), env(proxy));
      expect(proxy.seen.slice(since)).toEqual([]);
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(existsSync(join(dir, 'wheels', 'tiny_lib-1.1.0-py3-none-any.whl'))).toBe(true);
    });
  }

  it('keeps the job\'s proxy and NO_PROXY entries for the install\'s other traffic, with the firewall\'s host added', async () => {
    const dir = await project();
    const r = await firewallRun(dir, ['sh', '-c', 'env'], { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com, .internal', no_proxy: 'example.org', No_Proxy: 'odd.example', PIP_PROXY: proxy.url });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`HTTPS_PROXY=${proxy.url}\n`);
    expect(r.stdout).toContain('\nNO_PROXY=example.com,.internal,example.org,odd.example,127.0.0.1\n');
    expect(r.stdout).toContain('\nno_proxy=example.com,.internal,example.org,odd.example,127.0.0.1\n');
    expect(r.stdout).not.toMatch(/^No_Proxy=/m);
    expect(r.stdout).not.toMatch(/^PIP_PROXY=/m);
  });

  for (const option of [['--proxy', 'HOSTPORT'], ['--proxy=HOSTPORT'], ['--prox', 'URL']]) {
    it(`refuses pip's ${option[0]!.split('=')[0]} on the command line before pip runs (exit 2)`, async () => {
      const dir = await project();
      const since = proxy.seen.length;
      const r = await firewallRun(dir, [pipOf(home), 'download', ...option.map((o) => o.replace('HOSTPORT', proxy.hostPort).replace('URL', proxy.url)), 'tiny-lib==1.1.0'], {});
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/<command line>: the command line names a proxy \(--prox[^)]*\): pip sends every request through it/);
      expect(proxy.seen.slice(since)).toEqual([]);
    });
  }
});

it('refuses pip --isolated (exit 2): pip would ignore the environment, the firewall\'s index with it, and ask pypi.org', async () => {
  const dir = await project();
  const r = await firewallRun(dir, [pipOf(home), 'install', '--isolated', 'tiny-lib==1.1.0'], {});
  expect(r.exitCode, r.stdout + r.stderr).toBe(2);
  expect(r.stderr).toContain("the command line names a package source (--isolated: pip's --isolated)");
});

describe('firewall run: pip settings in the environment, in every spelling pip reads', () => {
  /** A folder holding the denied wheel: find-links there would install it around the firewall. */
  async function wheels(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-fw-wheels-'));
    await writeFile(join(dir, 'tiny_lib-1.0.0-py3-none-any.whl'), index.file('tiny_lib-1.0.0-py3-none-any.whl')!.bytes);
    return dir;
  }
  const cases: [string, (w: string) => Record<string, string>][] = [
    ['PIP_FIND-LINKS', (w) => ({ 'PIP_FIND-LINKS': w })],
    ['PIP_find_links', (w) => ({ PIP_find_links: w })],
    ['PIP_EXTRA-INDEX-URL', () => ({ 'PIP_EXTRA-INDEX-URL': index.simpleUrl })],
  ];
  for (const [name, env] of cases) {
    it(`${name} does not reach pip: the denied version stays unavailable (exit 1)`, async () => {
      const dir = await project();
      const r = await firewallRun(dir, [pipOf(home), 'install', 'tiny-lib==1.0.0'], env(await wheels()));
      expect(r.exitCode, r.stdout + r.stderr).toBe(1);
      expect(r.stdout + r.stderr).toMatch(/No matching distribution found for tiny-lib==1\.0\.0/);
      expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
    });
  }

  it('refuses PIP_REQUIREMENT (any spelling) in the environment: requirements firewall run would not check (exit 2)', async () => {
    const dir = await project();
    const req = join(dir, 'elsewhere.txt');
    await writeFile(req, `--find-links ${await wheels()}\ntiny-lib==1.0.0\n`);
    for (const name of ['PIP_REQUIREMENT', 'PIP_requirement', 'PIP_EDITABLE']) {
      const r = await firewallRun(dir, [pipOf(home), 'install'], { [name]: req });
      expect(r.exitCode, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toContain(`the environment sets ${name}, which names requirements pip would read`);
    }
    expect(await pipFreeze(home)).not.toHaveProperty('tiny-lib');
  });
});

const PNPM = fileURLToPath(new URL('../../node_modules/.bin/pnpm', import.meta.url));

describe('firewall run: npm\'s and pnpm\'s proxy settings', () => {
  let reg: NpmRegistry;
  beforeAll(async () => {
    reg = await startNpmRegistry();
    await reg.publish({ name: 'good-a', version: '1.0.0' });
  });
  afterAll(async () => reg?.close());

  const clients: [string, string[], (dir: string) => Record<string, string>][] = [
    ['npm', ['npm', 'install'], (dir) => ({ npm_config_cache: join(dir, '.npm'), npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_fetch_retries: '0' })],
    ['pnpm', [PNPM, 'install', '--reporter=append-only'], (dir) => ({ CI: 'true', pnpm_config_minimum_release_age: '0', pnpm_config_store_dir: join(dir, '.store'), npm_config_fetch_retries: '0' })],
  ];
  for (const [name, command, clientEnv] of clients) {
    it(`a project .npmrc proxy, npm_config_https_proxy in any spelling and HTTP_PROXY: ${name} installs through the firewall, the proxy sees nothing`, async () => {
      const dir = await project();
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'good-a': '^1.0.0' } }));
      await writeFile(join(dir, '.npmrc'), `proxy=${proxy.url}\nhttps-proxy=${proxy.url}\nnoproxy=nothing.example\n`);
      await mkdir(join(dir, 'home'));
      const since = proxy.seen.length;
      const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', reg.url, '--pypi-upstream', 'none', '--', ...command], {
        cwd: dir,
        timeoutMs: 120_000,
        env: {
          HOME: join(dir, 'home'), ...clientEnv(dir),
          HTTP_PROXY: proxy.url, 'NPM_CONFIG_HTTPS-PROXY': proxy.url, npm_config_PROXY: proxy.url, NPM_CONFIG_NOPROXY: 'nothing.example',
        },
      });
      expect(proxy.seen.slice(since)).toEqual([]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(existsSync(join(dir, 'node_modules/good-a/package.json'))).toBe(true);
    });
  }
});
