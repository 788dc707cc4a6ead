import { pypiIndexOf } from '../registry/pypi-client.js';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';
import { readDependencyInputs } from '../lockfiles/index.js';
import { formatGraphText } from '../lockfiles/text.js';

const FORMATS = ['text', 'json'] as const;

export default defineCommand({
  name: 'deps',
  summary: 'Print the resolved dependency graph of lockfiles and SBOMs',
  usage: 'sscs deps FILE... [--format json|text]',
  description: `Reads package-lock.json, npm-shrinkwrap.json, pnpm-lock.yaml, yarn.lock, requirements.txt (pip-compile,
with -r includes), pylock.toml, uv.lock, poetry.lock, Pipfile.lock and CycloneDX JSON SBOMs with npm or pypi
purls (the format is detected from the file name and content) and prints every package once per ecosystem,
name and version: direct or transitive, dev or prod, one shortest path from the root, and the files it came
from. Several files merge into one graph. Requirements that pin no version are listed as unpinned. Warnings
(for example a yarn.lock without its package.json) go to stderr.`,
  flags: {
    format: { type: 'string', choices: ['text', 'json'], default: 'text', valueName: 'FORMAT', description: 'Output format: text or json.' },
  },
  positionals: { min: 1, max: Number.POSITIVE_INFINITY, name: 'FILE' },
  examples: ['sscs deps package-lock.json', 'sscs deps packages/*/pnpm-lock.yaml bom.cdx.json --format json', 'sscs deps uv.lock requirements/main.txt'],
  async run({ flags, positionals, io }) {
    const format = flags.format;
    if (!(FORMATS as readonly string[]).includes(format)) {
      throw new UsageError('USAGE', `sscs deps: --format must be one of ${FORMATS.join(', ')}, not '${format}'`);
    }
    const pypiIndex = pypiIndexOf(io.env);
    const graph = await readDependencyInputs(positionals, { cwd: io.cwd, ...(pypiIndex ? { pypiIndex } : {}) });
    for (const w of graph.warnings ?? []) io.stderr(`sscs: warning: ${printable(w)}\n`);
    io.stdout(format === 'json' ? `${JSON.stringify(graph, null, 2)}\n` : formatGraphText(graph));
    return 0;
  },
});
