/**
 * nginx (Debian's nginx-light) as the load balancer in front of firewall replicas, the same role it has in
 * compose.yaml: round robin, HTTP/1.1 keep-alive to the replicas, and a GET retried on the next replica when one
 * refuses the connection or dies mid-request. One foreground process, everything in a temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = process.env.SSCS_TEST_NGINX ?? '/usr/sbin/nginx';

export interface TestNginx {
  url: string;
  port: number;
  /**
   * Points the balancer at these replicas (host:port each) and starts it. `bind`: the local address nginx
   * connects to them from (proxy_bind), so that the replicas can tell it from the clients on 127.0.0.1.
   */
  start(backends: string[], opts?: { bind?: string }): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Reserves a port first: the replicas need the balancer's URL (--public-url) before it can be configured. */
export async function prepareNginx(): Promise<TestNginx> {
  const dir = await mkdtemp(join(tmpdir(), 'sscs-nginx-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async start(backends, opts = {}) {
      const conf = `
daemon off;
master_process off;
error_log stderr warn;
pid ${dir}/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream firewall {
${backends.map((b) => `    server ${b} max_fails=1 fail_timeout=5s;`).join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 16m;
    location / {
      proxy_pass http://firewall;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
${opts.bind ? `      proxy_bind ${opts.bind};` : ''}
      proxy_buffering off;
      proxy_read_timeout 300s;
      proxy_next_upstream error timeout http_503;
    }
  }
}
`;
      await writeFile(join(dir, 'nginx.conf'), conf);
      child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (d: Buffer) => void (log += d.toString()));
      const deadline = Date.now() + 10_000;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${log}`);
        const ok = await fetch(`http://127.0.0.1:${port}/-/health`).then((r) => r.status === 200, () => false);
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`nginx did not start: ${log}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close() {
      if (child && child.exitCode === null) {
        const exited = new Promise((r) => child!.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
