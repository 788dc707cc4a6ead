import { resolve } from 'node:path';
import { defineCommand } from '../cli/command.js';
import { loadPolicy } from '../policy/load.js';

export default defineCommand({
  name: 'policy validate',
  summary: 'Validate a dependency policy file',
  usage: 'sscs policy validate FILE',
  description: 'Checks a policy file (YAML or JSON) against the schema and the rules the schema cannot express (purl patterns, semver ranges, dates, rule ids). Errors give file:line:column and the field; exit 2 when invalid.',
  flags: {},
  positionals: { min: 1, max: 1, name: 'FILE' },
  async run({ positionals, io }) {
    const file = positionals[0]!;
    const policy = await loadPolicy(resolve(io.cwd, file), file);
    io.stdout(`${file}: valid (${policy.rules?.length ?? 0} rules, ${policy.waivers?.length ?? 0} waivers)\n`);
    return 0;
  },
});
