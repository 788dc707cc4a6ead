import { defineCommand } from '../cli/command.js';
import { policySchemaJson } from '../policy/schema.js';

export default defineCommand({
  name: 'policy schema',
  summary: 'Print the JSON Schema of the dependency policy file',
  usage: 'sscs policy schema',
  description: `Prints the JSON Schema (draft-07) that policy files are validated against, the same as the committed
schemas/policy.schema.json. Point editors at it with a first line of
  # yaml-language-server: $schema=<path or URL of policy.schema.json>`,
  flags: {},
  async run({ io }) {
    io.stdout(policySchemaJson());
    return 0;
  },
});
