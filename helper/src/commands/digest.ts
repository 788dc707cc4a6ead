import { defineCommand } from '../cli/command.js';
import { SUBJECT_FLAGS, subjectsFromFlags } from '../cli/subject-flags.js';
import { UsageError } from '../errors.js';

export default defineCommand({
  name: 'digest',
  summary: 'Compute subject digests for files, globs, checksum files or images',
  usage: "sscs digest --subject 'dist/**' [flags]",
  description: 'Prints the subjects sscs provenance would record, in sha256sum format (or JSON), in the same order.',
  flags: {
    ...SUBJECT_FLAGS,
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', default: 'text', description: 'Output format.' },
  },
  examples: ["sscs digest --subject 'dist/**' > SHA256SUMS", 'sscs digest --subject-tar dist.tar.gz --format json'],
  async run({ flags, io }) {
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${flags.format}'`);
    const subjects = await subjectsFromFlags(flags, io, 'digest');
    if (flags.format === 'json') io.stdout(`${JSON.stringify({ subjects }, null, 2)}\n`);
    else io.stdout(subjects.map((s) => `${s.digest.sha256}  ${s.name}\n`).join(''));
    return 0;
  },
});
