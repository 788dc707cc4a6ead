import { pypiIndexOf } from '../registry/pypi-client.js';
import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { printable } from '../io/printable.js';
import { argumentParts, assertNoSecret } from '../io/secrets.js';
import { graphParts } from '../deps/named-parts.js';
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
(for example a yarn.lock without its package.json) go to stderr. A graph holding the value of a secret
variable (in a file name, a package name, a path or a URL) is refused (exit 2) rather than printed with the
value hidden, which would name something that is not there; the error names the variable and the part.`,
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
    const out = format === 'json' ? `${JSON.stringify(graph, null, 2)}\n` : formatGraphText(graph);
    // The graph is data (file names, package names, paths, URLs), read by people and scripts: the redactor would
    // print a name holding a secret's value as [REDACTED], naming nothing real. Refused instead, naming the part.
    assertNoSecret(out, io.env, { what: 'the dependency graph', verb: 'print', parts: () => [...argumentParts(positionals, 'an input file name'), ...graphParts(graph)] });
    io.stdout(out);
    return 0;
  },
});
