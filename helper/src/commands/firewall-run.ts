import { defineCommand } from '../cli/command.js';
import { serveSettings } from '../firewall/config.js';
import { SERVE_FLAGS, SETTINGS_HELP } from '../firewall/flags.js';

export default defineCommand({
  name: 'firewall run',
  summary: 'Run an install (npm, pnpm, yarn, pip, pipenv, uv) behind the firewall and report what it refused',
  usage: 'sscs firewall run --policy FILE [flags] -- COMMAND [ARGS...]',
  description: `
Starts the firewall on a free loopback port, runs COMMAND pointed at it through the environment, stops the
firewall and writes the same reports as 'sscs policy check' over every package version locked, served or
refused. COMMAND runs npm, pnpm or yarn (npm_config_registry, pnpm_config_registry, YARN_NPM_REGISTRY_SERVER
and YARN_UNSAFE_HTTP_WHITELIST point at the firewall) or pip, pipenv or uv (PIP_INDEX_URL, PIPENV_PYPI_MIRROR
and UV_DEFAULT_INDEX point at its /simple/ index): by name, as python -m pip, after env, inside sh -c, or
through a wrapper such as timeout. Poetry reads its sources from pyproject.toml, not from these variables:
a poetry command that resolves or downloads packages (install, add, update, lock, remove, self, export...)
is exit 2 (its --help and --version run). Export the lock to requirements.txt and install that with pip, or
name 'sscs firewall serve' as the project's default source (see the README); 'poetry run CMD' is read as CMD.

COMMAND gets no SSCS_* or PG* variable and no client setting that routes fetches (any spelling of
npm_config_registry, scoped registries, proxies, yarn's rc file, pip's index and find-links); a routing
option or package source on its command line or in a requirements file it names (--registry, --index-url,
--find-links...) is exit 2. Without --database the run decides with a private store of its own and takes
waivers from the policy file only (the refusals, and the 403 the client prints, say so): --data-dir keeps
verified tarballs, checked again on reuse.

The report paths are checked before anything runs; a missing folder of one is created, as for every sscs
report. Exit 0: COMMAND succeeded and nothing was refused. Exit 1: the firewall or the policy refused a
version or dependency the install needed, whether or not COMMAND succeeded. Exit 2: bad usage or input (found
before anything runs), or COMMAND failed or could not start with nothing refused.

${SETTINGS_HELP}`,
  flags: {
    ...SERVE_FLAGS,
    'gitlab-report': { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a GitLab dependency scanning report.' },
    junit: { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write a JUnit XML report.' },
    output: { type: 'string', writes: 'file', valueName: 'FILE', description: 'Write the JSON report (sscs-policy-check/v1).' },
  },
  positionals: { min: 1, max: Number.MAX_SAFE_INTEGER, name: 'COMMAND' },
  examples: [
    'sscs firewall run --policy .sscs/policy.yml --gitlab-report gl-dependency-scanning-report.json -- npm ci',
    'sscs firewall run --policy .sscs/policy.yml --junit reports/firewall.xml -- python3 -m pip install -r requirements.txt',
  ],
  async run({ flags, positionals, io }) {
    const { runBehindFirewall } = await import('../firewall/run.js');
    return await runBehindFirewall(serveSettings(flags, io.env, io.cwd), flags, positionals, {
      ...(flags['gitlab-report'] !== undefined ? { gitlabReport: flags['gitlab-report'] } : {}),
      ...(flags.junit !== undefined ? { junit: flags.junit } : {}),
      ...(flags.output !== undefined ? { output: flags.output } : {}),
    }, io);
  },
});
