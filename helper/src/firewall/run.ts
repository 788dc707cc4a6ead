/**
 * `sscs firewall run -- COMMAND`: the CI job's whole use of the firewall in one step. Starts it on a free
 * port, runs the install with npm, pnpm and yarn pointed at it through the environment, stops it, and says
 * what was blocked.
 */
import { execa } from 'execa';
import type { Io } from '../cli/command.js';
import { PolicyViolation, UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/files.js';
import type { Decision, PackageRef } from '../policy/types.js';
import type { Flags, ServeSettings } from './config.js';
import { launch } from './launch.js';

export interface Block {
  package: string;
  version: string;
  action: Decision['action'];
  rule: string;
  reason: string;
}

/** The environment that points every client at the firewall (yarn 4 refuses plain http without the whitelist). */
export function clientEnv(url: string): Record<string, string> {
  const host = new URL(url).hostname;
  return {
    npm_config_registry: `${url}/`,
    NPM_CONFIG_REGISTRY: `${url}/`,
    YARN_NPM_REGISTRY_SERVER: url,
    YARN_UNSAFE_HTTP_WHITELIST: host,
  };
}

export async function runBehindFirewall(s: ServeSettings, flags: Flags, command: string[], io: Io): Promise<number> {
  const [file, ...args] = command;
  if (!file) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall run: give the command after --, e.g. sscs firewall run --policy p.yml -- npm ci');
  const blocks = new Map<string, Block>();
  const onBlock = (pkg: PackageRef, d: Decision): void => {
    blocks.set(`${pkg.name}@${pkg.version}`, { package: pkg.name, version: pkg.version, action: d.action, rule: d.rule, reason: d.reason });
  };
  // Request logs go to a quiet sink: the job log shows the install's own output and our summary.
  const fw = await launch({ ...s, listen: { host: '127.0.0.1', port: 0 } }, flags, { ...io, stdout: () => {} }, { onBlock });
  let exitCode: number;
  try {
    io.stderr(`sscs firewall: ${fw.url} in front of ${s.upstream}; running ${command.join(' ')}\n`);
    const r = await execa(file, args, {
      cwd: io.cwd,
      env: { ...io.env, ...clientEnv(fw.url) },
      extendEnv: false,
      reject: false,
      stdout: ['pipe'],
      stderr: ['pipe'],
      stdin: 'ignore',
    });
    io.stdout(String(r.stdout ?? ''));
    io.stderr(String(r.stderr ?? ''));
    exitCode = r.exitCode ?? 2;
  } finally {
    await fw.close();
  }
  const list = [...blocks.values()];
  const summaryFile = flags['summary-file'];
  if (typeof summaryFile === 'string') await writeFileAtomic(summaryFile, `${JSON.stringify({ exitCode, blocked: list }, null, 2)}\n`);
  if (list.length) {
    io.stderr(`sscs firewall: blocked ${list.length} package version(s):\n`);
    for (const b of list) io.stderr(`  ${b.package}@${b.version}: ${b.action} by ${b.rule}: ${b.reason}\n`);
  }
  if (exitCode !== 0 && list.length) {
    throw new PolicyViolation('FIREWALL_BLOCKED', `${command.join(' ')} failed: the firewall blocked ${list.map((b) => `${b.package}@${b.version}`).join(', ')}`);
  }
  if (exitCode !== 0) throw new UsageError('USAGE', `${command.join(' ')} exited with ${exitCode}`);
  return 0;
}
