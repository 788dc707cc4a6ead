import { defineCommand } from '../cli/command.js';
import { ISSUER_FLAG, configuredIssuer } from '../cli/issuer-flag.js';
import { UsageError } from '../errors.js';
import { captureBuildContext } from '../gitlab/context.js';
import { DEFAULT_TOKEN_VARIABLE } from '../gitlab/variables.js';
import { localGitFacts } from '../gitlab/local.js';

export default defineCommand({
  name: 'context',
  summary: 'Print the GitLab build context captured from the job environment',
  usage: 'sscs context [--local] [--identity-token-env NAME]',
  description:
    "Shows what sscs provenance would record about the job: server, project, source, pipeline, job and runner, and the ID token's claims where a token is present (never the token itself). Fails with exit 2 when required variables are missing or disagree with the token.",
  flags: {
    'identity-token-env': { type: 'string', valueName: 'NAME', default: DEFAULT_TOKEN_VARIABLE, description: 'The variable holding the job ID token.' },
    ...ISSUER_FLAG,
    local: { type: 'boolean', description: 'Outside CI: fill what is missing from the git checkout (a dry run).' },
    format: { type: 'string', choices: ['json'], valueName: 'json', default: 'json', description: 'Output format: the context is printed as JSON.' },
  },
  async run({ flags, io }) {
    if (flags.format !== 'json') throw new UsageError('USAGE', `--format must be json, not '${flags.format}'`);
    const expectedIssuer = configuredIssuer(flags['oidc-issuer'], io.env);
    const context = captureBuildContext(io.env, {
      tokenVariable: flags['identity-token-env'],
      ...(expectedIssuer ? { expectedIssuer } : {}),
      local: flags.local === true,
      ...(flags.local ? { localFacts: await localGitFacts(io.cwd) } : {}),
    });
    io.stdout(`${JSON.stringify(context, null, 2)}\n`);
    return 0;
  },
});
