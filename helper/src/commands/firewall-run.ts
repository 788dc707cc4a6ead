import { defineCommand } from '../cli/command.js';
import { serveSettings } from '../firewall/config.js';
import { SERVE_FLAGS, SETTINGS_HELP } from '../firewall/flags.js';

export default defineCommand({
  name: 'firewall run',
  summary: 'Run an install (npm, pnpm, yarn) behind the firewall and report what it refused',
  usage: 'sscs firewall run --policy FILE [flags] -- COMMAND [ARGS...]',
  description: `
Starts the firewall on a free loopback port, runs COMMAND with npm_config_registry, pnpm_config_registry,
YARN_NPM_REGISTRY_SERVER and YARN_UNSAFE_HTTP_WHITELIST pointing at it, stops the firewall and
writes the same reports as 'sscs policy check' over every package version served or refused. Exit 1 when
COMMAND failed and the firewall refused something, 2 when COMMAND failed on its own.

COMMAND gets no SSCS_* or PG* variable and no client setting that routes fetches (any spelling of
npm_config_registry, scoped registries, proxies, yarn's rc file); a routing option on its command line
(--registry...) is exit 2. Without --database the run decides with a private store of its own and takes
waivers from the policy file only: --data-dir keeps verified tarballs, checked again on reuse.

${SETTINGS_HELP}`,
  flags: {
    ...SERVE_FLAGS,
    'gitlab-report': { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a GitLab dependency scanning report.' },
    junit: { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a JUnit XML report.' },
    output: { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write the JSON report (sscs-policy-check/v1).' },
  },
  positionals: { min: 1, max: Number.MAX_SAFE_INTEGER, name: 'COMMAND' },
  examples: ['sscs firewall run --policy .sscs/policy.yml --gitlab-report gl-dependency-scanning-report.json -- npm ci'],
  async run({ flags, positionals, io }) {
    const { runBehindFirewall } = await import('../firewall/run.js');
    return await runBehindFirewall(serveSettings(flags, io.env, io.cwd), flags, positionals, {
      ...(flags['gitlab-report'] ? { gitlabReport: flags['gitlab-report'] } : {}),
      ...(flags.junit ? { junit: flags.junit } : {}),
      ...(flags.output ? { output: flags.output } : {}),
    }, io);
  },
});
