import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { loadPolicy } from '../policy/load.js';

export default defineCommand({
  name: 'policy validate',
  summary: 'Validate a dependency policy file',
  usage: 'sscs policy validate FILE [--format text|json]',
  description: 'Checks a policy file (YAML or JSON) against the schema and the rules the schema cannot express (purl patterns, semver ranges, dates, rule ids). Errors give file:line:column and the field; exit 2 when invalid.',
  flags: {
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', default: 'text', description: 'Output format for a valid file (errors always go to stderr with exit 2).' },
  },
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run({ flags, positionals, io }) {
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${flags.format}'`);
    const file = positionals[0]!;
    const policy = await loadPolicy(resolve(io.cwd, file), file);
    const counts = { rules: policy.rules?.length ?? 0, waivers: policy.waivers?.length ?? 0 };
    if (flags.format === 'json') io.stdout(`${JSON.stringify({ file, valid: true, ...counts })}\n`);
    else io.stdout(`${file}: valid (${counts.rules} rules, ${counts.waivers} waivers)\n`);
    return 0;
  },
});
