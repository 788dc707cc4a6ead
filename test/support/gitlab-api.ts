/**
 * A small HTTP server on 127.0.0.1 that imitates the two GitLab API endpoints a release job uses: the
 * generic package registry (PUT a file) and releases (create, add asset link). It checks the job token like
 * GitLab does and records what it received.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGitLab {
  apiUrl: string;
  /** package/version/file -> content */
  packages: Map<string, Buffer>;
  /** tag -> release with its links */
  releases: Map<string, { name: string; links: { name: string; url: string; direct_asset_path?: string; link_type?: string }[] }>;
  /** Every request line, e.g. `PUT /api/v4/projects/1217/packages/generic/...`. */
  requests: string[];
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeGitLab(opts: { projectId: string; jobToken: string; releases?: string[] }): Promise<FakeGitLab> {
  const packages = new Map<string, Buffer>();
  const releases: FakeGitLab['releases'] = new Map((opts.releases ?? []).map((t) => [t, { name: t, links: [] }]));
  const requests: string[] = [];
  const project = `/api/v4/projects/${encodeURIComponent(opts.projectId)}`;
  const server: Server = createServer(async (req, res) => {
    const send = (status: number, json: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    };
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}`);
    const data = await body(req);
    if (req.headers['job-token'] !== opts.jobToken) return send(401, { message: '401 Unauthorized' });
    if (!url.pathname.startsWith(`${project}/`)) return send(404, { message: '404 Project Not Found' });
    const rest = url.pathname.slice(project.length + 1).split('/').map(decodeURIComponent);
    if (req.method === 'PUT' && rest[0] === 'packages' && rest[1] === 'generic' && rest.length === 5) {
      packages.set(rest.slice(2).join('/'), data);
      return send(201, { message: '201 Created' });
    }
    if (req.method === 'POST' && rest[0] === 'releases' && rest.length === 1) {
      const r = JSON.parse(data.toString('utf8')) as { tag_name: string; name?: string; assets?: { links?: FakeGitLab['releases'] extends Map<string, infer R> ? R extends { links: infer L } ? L : never : never } };
      if (releases.has(r.tag_name)) return send(409, { message: 'Release already exists' });
      releases.set(r.tag_name, { name: r.name ?? r.tag_name, links: r.assets?.links ?? [] });
      return send(201, { tag_name: r.tag_name });
    }
    if (req.method === 'GET' && rest[0] === 'releases' && rest[2] === 'assets' && rest[3] === 'links') {
      const release = releases.get(rest[1]!);
      return release ? send(200, release.links) : send(404, { message: '404 Not found' });
    }
    if (req.method === 'POST' && rest[0] === 'releases' && rest[2] === 'assets' && rest[3] === 'links') {
      const release = releases.get(rest[1]!);
      if (!release) return send(404, { message: '404 Not found' });
      const link = JSON.parse(data.toString('utf8'));
      if (release.links.some((l) => l.name === link.name)) return send(400, { message: { name: ['has already been taken'] } });
      release.links.push(link);
      return send(201, link);
    }
    return send(404, { message: '404 Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/v4`,
    packages,
    releases,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
