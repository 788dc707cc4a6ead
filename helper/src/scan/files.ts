import { maskPrivateKeyBlocks } from '../io/secrets.js';
/** The files of a package as the rules see them, whatever they were read from (tarball or directory). */

export interface PackageFile {
  /** Path relative to the package root, `/`-separated. */
  path: string;
  size: number;
  /** Unix mode bits when known. */
  mode?: number;
  /** The first bytes, for magic numbers (executables). */
  head: Buffer;
  /** The whole content, for files worth reading and within the size bounds; latin1-decoded. */
  text?: string;
}

/** How many leading bytes are kept of every file: enough for a PE header offset and the shebang line. */
export const HEAD_BYTES = 512;

const CODE_EXTENSIONS = /\.(?:[cm]?[jt]s|jsx|tsx|sh|bash|zsh|ps1|bat|cmd|py|pyw|pth|json)$/i;
/** Python build and metadata files the Python rules read (contexts, in-tree build backends). */
const PYTHON_META = /^(?:pyproject\.toml|setup\.cfg)$/;

/**
 * Files whose text the rules read: code and shell scripts, JSON (package.json), and extension-less files, which
 * may be scripts (bin entries, install hooks). Everything else only has its head looked at.
 */
export function isTextCandidate(path: string): boolean {
  if (CODE_EXTENSIONS.test(path)) return !path.endsWith('.json') || path === 'package.json';
  if (PYTHON_META.test(path)) return true;
  const base = path.slice(path.lastIndexOf('/') + 1);
  return !base.includes('.');
}

/**
 * npm tarballs put everything under one top-level folder (`package/`, sometimes another name); npm drops the
 * first path component, so the rules see paths as the installed package has them.
 */
export function stripFirstComponent(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** Evidence as printed: one line, control characters escaped, bounded. */
export const EVIDENCE_CHARS = 160;

/**
 * Token formats that may sit in a package (a stolen token, a careless .npmrc): evidence shows that one is there,
 * never its value, since scan output lands in CI logs.
 */
const TOKEN_VALUES = /\b(?:npm_[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16})|(_authToken\s*=\s*)[^\s'"`]+/g;

export function evidence(text: string, at = 0, length = EVIDENCE_CHARS): string {
  const start = Math.max(0, at);
  let s = text
    .slice(start, start + Math.min(length, EVIDENCE_CHARS))
    .replace(TOKEN_VALUES, (_m, key: string | undefined) => `${key ?? ''}[REDACTED]`);
  // eslint-disable-next-line no-control-regex
  s = s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === '\t' ? ' ' : c === '\n' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
  // A PEM private key line a package carries (a test key, or one put there to turn the verdict into a refusal)
  // shows as one; masked after the tabs and newlines above become spaces, which could complete one.
  return maskPrivateKeyBlocks(s).trim();
}

/** 1-based line number of a character offset. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
