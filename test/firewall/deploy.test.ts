import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { spawnSync } from 'node:child_process';
import pg from 'pg';
import { runCli } from '../support/cli.js';
import { PG_BIN, startPostgres } from '../support/postgres.js';

// deploy/compose.yaml cannot run here (no container engine): what can drift from the code is checked instead.
describe('deploy/compose.yaml', () => {
  it('starts the firewall with flags and variables `sscs firewall serve` has, and a valid policy', async () => {
    const compose = parse(await readFile('deploy/compose.yaml', 'utf8')) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; deploy?: { replicas?: number } }>;
    };
    expect(Object.keys(compose.services).sort()).toEqual(['firewall', 'lb', 'migrate', 'postgres']);
    const fw = compose.services.firewall!;
    expect(fw.deploy?.replicas).toBeGreaterThanOrEqual(2);
    const help = (await runCli(['firewall', 'serve', '--help'])).stdout;
    const flags = fw.command!.filter((a) => a.startsWith('--'));
    expect(flags.length).toBeGreaterThan(0);
    for (const f of flags) expect(help, f).toContain(`${f} `);
    const database = fw.command![fw.command!.indexOf('--database') + 1]!;
    expect(new URL(database).password).toBe('');
    for (const v of Object.keys(fw.environment!)) if (v.startsWith('SSCS_')) expect(help, v).toContain(v);
    // No defaults for what must be the deployment's own: the public URL (tarball URLs and the admin page's Origin
    // check come from it; localhost would point remote clients at themselves) and the admin token.
    for (const v of ['SSCS_FIREWALL_PUBLIC_URL', 'SSCS_FIREWALL_ADMIN_TOKEN']) expect(fw.environment![v], v).toMatch(new RegExp(`^\\$\\{${v}:\\?[^}]+\\}$`));
    expect(JSON.stringify(fw.environment)).not.toContain('localhost');
    expect((await runCli(['policy', 'validate', 'deploy/policy.yml'])).exitCode).toBe(0);
  });

  it('migrates as the owner role and serves as another one, which may not migrate', async () => {
    const compose = parse(await readFile('deploy/compose.yaml', 'utf8')) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, { condition?: string }> }>;
    };
    const { migrate, firewall } = compose.services as Required<typeof compose.services>;
    const help = (await runCli(['firewall', 'migrate', '--help'])).stdout;
    for (const f of migrate!.command!.filter((a) => a.startsWith('--'))) expect(help, f).toContain(`${f} `);
    const user = (cmd: string[]) => new URL(cmd[cmd.indexOf('--database') + 1]!).username;
    expect(user(migrate!.command!)).toBe('sscs_owner');
    expect(user(firewall!.command!)).toBe(migrate!.command![migrate!.command!.indexOf('--grant') + 1]);
    expect(firewall!.environment!.SSCS_FIREWALL_MIGRATE).toBe('never');
    expect(firewall!.depends_on?.migrate?.condition).toBe('service_completed_successfully');
    // Each role's password from its own variable; the init script creates both roles from them.
    expect(migrate!.environment!.PGPASSWORD).toContain('SSCS_OWNER_PASSWORD');
    expect(firewall!.environment!.PGPASSWORD).toContain('SSCS_REPLICA_PASSWORD');
    const init = await readFile('deploy/postgres-init.sh', 'utf8');
    expect(init).toContain('CREATE ROLE sscs_owner LOGIN');
    expect(init).toContain('CREATE ROLE sscs_replica LOGIN');
    expect(init).toContain('CREATE DATABASE sscs_firewall OWNER sscs_owner');
  });

  it('has nginx name the client in X-Forwarded-For, and the replicas trust that header from nginx alone', async () => {
    const conf = await readFile('deploy/nginx.conf', 'utf8');
    // A resolver alone re-resolves nothing in an upstream block: only `resolve` on the server line with a `zone`
    // does (nginx 1.27.3+). Without them the file must not suggest it, and says to reload after scaling.
    if (!/^\s*server\s+firewall:\d+[^;]*\bresolve\b/m.test(conf)) {
      expect(conf).not.toMatch(/^\s*resolver\s/m);
      expect(conf).toContain('nginx -s reload');
    } else expect(conf).toMatch(/^\s*zone\s/m);
    const locations = conf.split(/\blocation\b/).slice(1);
    expect(locations.length).toBeGreaterThan(0);
    for (const l of locations) {
      expect(l).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
      expect(l).toContain('proxy_set_header X-Forwarded-Proto $scheme;');
    }
    const compose = parse(await readFile('deploy/compose.yaml', 'utf8')) as {
      services: Record<string, { environment?: Record<string, string>; networks?: { default?: { ipv4_address?: string } } }>;
    };
    const lb = compose.services.lb!.networks?.default?.ipv4_address;
    expect(lb).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(compose.services.firewall!.environment!.SSCS_FIREWALL_TRUSTED_PROXIES).toBe(`${lb}/32`);
  });

  it('creates both roles and the owner\'s database with deploy/postgres-init.sh, run by psql as the image runs it', async () => {
    const p = await startPostgres();
    try {
      // The image runs it as its superuser (POSTGRES_USER); the test cluster's app role is made one here.
      const a = await p.admin();
      await a.query('ALTER ROLE sscs SUPERUSER');
      await a.end();
      const env = { PATH: `${PG_BIN}:${process.env.PATH}`, POSTGRES_USER: 'sscs', PGHOST: '127.0.0.1', PGPORT: String(p.port), PGPASSWORD: p.password, SSCS_OWNER_PASSWORD: "own'er pw", SSCS_REPLICA_PASSWORD: 'replica pw' };
      const r = spawnSync('sh', ['deploy/postgres-init.sh'], { encoding: 'utf8', env });
      expect(r.status, r.stderr).toBe(0);
      const as = async (user: string, password: string) => {
        const c = new pg.Client({ host: '127.0.0.1', port: p.port, user, password, database: 'sscs_firewall' });
        await c.connect();
        try {
          return (await c.query(`SELECT pg_get_userbyid(datdba) AS owner, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser FROM pg_database WHERE datname = 'sscs_firewall'`)).rows[0];
        } finally {
          await c.end();
        }
      };
      expect(await as('sscs_owner', "own'er pw")).toEqual({ owner: 'sscs_owner', superuser: false });
      expect(await as('sscs_replica', 'replica pw')).toEqual({ owner: 'sscs_owner', superuser: false });
    } finally {
      await p.close();
    }
  });
});
