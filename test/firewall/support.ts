/** Starts `sscs firewall serve` as a real process against an upstream, and stops it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/cli.js';

export interface FirewallProcess {
  url: string;
  dataDir: string;
  child: ChildProcess;
  logs(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function writePolicy(yaml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-policy-'));
  const path = join(dir, 'policy.yml');
  await writeFile(path, yaml);
  return path;
}

export async function startFirewallProcess(opts: { policy: string; upstream: string; dataDir?: string; env?: Record<string, string>; args?: string[] }): Promise<FirewallProcess> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'sscs-fw-')));
  const portFile = join(dataDir, 'port.json');
  let out = '';
  const child = spawn(process.execPath, [CLI, 'firewall', 'serve', '--policy', opts.policy, '--upstream', opts.upstream, '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--port-file', portFile, ...(opts.args ?? [])], {
    env: { PATH: process.env.PATH ?? '', HOME: dataDir, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (out += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`firewall exited with ${child.exitCode}: ${out}`);
    try {
      const { url } = JSON.parse(await readFile(portFile, 'utf8')) as { url: string };
      return {
        url,
        dataDir,
        child,
        logs: () => out,
        stop: async (signal = 'SIGTERM') => {
          // A process killed by a signal has exitCode null and signalCode set.
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
          child.kill(signal);
          return await exited;
        },
      };
    } catch {
      if (Date.now() > deadline) throw new Error(`firewall did not start: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** The first line of the firewall's /metrics that matches `line`. */
export async function metric(fw: FirewallProcess, line: RegExp): Promise<string | undefined> {
  return (await (await fetch(`${fw.url}/metrics`)).text()).split('\n').find((l) => line.test(l));
}

/** Asks for a download and closes the connection after the first bytes of the body (or when it ends or fails). */
export function abortAfterFirstBytes(url: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(url, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
      res.once('end', () => resolve());
      res.once('error', () => resolve());
    });
    req.on('error', () => resolve());
    req.end();
  });
}
