/**
 * The logical lines of a pip requirements file, as pip's req_file.py reads them: a line ending in `\` continues
 * on the next one; `#` starts a comment at the start of a line or after whitespace; blank lines go. Comments that
 * follow a requirement are kept with it, because pip-compile (pip-tools) and `uv pip compile` write the dependency
 * graph there: `# via flask` or `# via` followed by `#   -r requirements.in` and `#   package` lines.
 */
export interface LogicalLine {
  /** The line the logical line starts on (1-based). */
  line: number;
  text: string;
  /** Names and files from the `# via` annotation after this line; undefined when there is none. */
  via?: string[];
}

const VIA_INLINE = /^#\s*via\s+(\S.*)$/;
const VIA_HEADER = /^#\s*via\s*$/;
const VIA_ITEM = /^#\s{2,}(\S.*)$/;

/**
 * Line `i` joined with the lines that follow it while the joined text ends in a backslash (the backslash dropped,
 * `separator` between): the joined line and the index of its last line. The pieces are joined once: slicing a
 * growing concatenation copied it each time, O(n²) in a file of backslash-continued lines (80,000 lines: 11 s).
 */
export function joinContinued(lines: readonly string[], i: number, separator = ''): { line: string; last: number } {
  const head: string[] = []; // the non-empty pieces before `tail`
  let tail = lines[i]!; // the last non-empty piece ('' only when the whole line is)
  while (tail.endsWith('\\') && i + 1 < lines.length) {
    tail = tail.slice(0, -1);
    if (!tail && head.length) tail = head.pop()!;
    for (const piece of [separator, lines[++i]!]) {
      if (!piece) continue;
      if (tail) head.push(tail);
      tail = piece;
    }
  }
  head.push(tail);
  return { line: head.join(''), last: i };
}

export function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let inVia = false;
  for (let i = 0; i < raw.length; i++) {
    const start = i;
    const joined = joinContinued(raw, i);
    const line = joined.line;
    i = joined.last;
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      const last = out[out.length - 1];
      const inline = VIA_INLINE.exec(trimmed);
      if (last && inline) {
        (last.via ??= []).push(inline[1]!.trim());
        inVia = false;
      } else if (last && VIA_HEADER.test(trimmed)) {
        last.via ??= [];
        inVia = true;
      } else if (last && inVia && /^\s/.test(line) && VIA_ITEM.test(trimmed)) {
        // Items of a `# via` block are indented under it; a comment at column 0 is a new section.
        last.via!.push(VIA_ITEM.exec(trimmed)![1]!.trim());
      } else inVia = false;
      continue;
    }
    inVia = false;
    const body = stripComment(line).trim();
    if (body) out.push({ line: start + 1, text: body });
  }
  return out;
}

/** pip: a comment starts at `#` when it opens the line or follows whitespace (`pkg==1.0 # pinned`); `url#egg=` is not one. */
function stripComment(line: string): string {
  const m = /(^|\s)#/.exec(line);
  return m ? line.slice(0, m.index) : line;
}
