import { defineCommand } from '../cli/command.js';
import { SUBJECT_FLAGS, subjectsFromFlags } from '../cli/subject-flags.js';
import { UsageError } from '../errors.js';
import { formatChecksumLine } from '../subjects/checksums.js';

export default defineCommand({
  name: 'digest',
  summary: 'Compute subject digests for files, globs, checksum files or images',
  usage: "sscs digest --subject 'dist/**' [flags]",
  description: 'Prints the subjects sscs provenance would record, in sha256sum format (or JSON), in the same order. Names are escaped as GNU sha256sum escapes them (a leading \\ when a name holds a backslash); a name with a control character is refused, as provenance refuses it.',
  flags: {
    ...SUBJECT_FLAGS,
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', default: 'text', description: 'Output format.' },
  },
  examples: ["sscs digest --subject 'dist/**' > SHA256SUMS", 'sscs digest --subject-tar dist.tar.gz --format json'],
  async run({ flags, io }) {
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${flags.format}'`);
    const subjects = await subjectsFromFlags(flags, io, 'digest');
    if (flags.format === 'json') io.stdout(`${JSON.stringify({ subjects }, null, 2)}\n`);
    else io.stdout(subjects.map((s) => formatChecksumLine(s.digest.sha256 as string, s.name)).join(''));
    return 0;
  },
});
