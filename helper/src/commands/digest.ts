import { defineCommand } from '../cli/command.js';
import { SUBJECT_FLAGS, subjectsFromFlags } from '../cli/subject-flags.js';
import { UsageError } from '../errors.js';
import { assertNoSecret } from '../io/secrets.js';
import { formatChecksumLine } from '../subjects/checksums.js';

export default defineCommand({
  name: 'digest',
  summary: 'Compute subject digests for files, globs, checksum files or images',
  usage: "sscs digest --subject 'dist/**' [flags]",
  description: 'Prints the subjects sscs provenance would record, in sha256sum format (or JSON), in the same order. Names are escaped as GNU sha256sum escapes them (a leading \\ when a name holds a backslash); a name with a control character, a bidirectional control or a line separator, or one holding the value of a secret variable (the redactor would print a wrong name), is refused, as provenance refuses it.',
  flags: {
    ...SUBJECT_FLAGS,
    format: { type: 'string', choices: ['text', 'json'], valueName: 'text|json', default: 'text', description: 'Output format.' },
  },
  examples: ["sscs digest --subject 'dist/**' > SHA256SUMS", 'sscs digest --subject-tar dist.tar.gz --format json'],
  async run({ flags, io }) {
    if (flags.format !== 'text' && flags.format !== 'json') throw new UsageError('USAGE', `--format must be text or json, not '${flags.format}'`);
    const subjects = await subjectsFromFlags(flags, io, 'digest');
    const text = flags.format === 'json' ? `${JSON.stringify({ subjects }, null, 2)}\n` : subjects.map((s) => formatChecksumLine(s.digest.sha256 as string, s.name)).join('');
    // The output is a data file (`> SHA256SUMS`): the redactor would turn a name holding a secret's value into
    // [REDACTED], a wrong name that sha256sum -c then fails on. Refused before anything is printed, as provenance
    // refuses it. The names are checked as they are too, in case an escape hid a value from the check on the text;
    // NUL, which no name or variable holds, keeps a match from spanning two names.
    assertNoSecret(`${text}\0${subjects.map((s) => s.name).join('\0')}`, io.env, { what: 'the digest list' });
    io.stdout(text);
    return 0;
  },
});
