import * as pep440 from '@renovatebot/pep440';
import { pep503 } from '../ecosystems/pypi.js';
import { pythonOrigin, type PythonOrigin } from './python-source.js';

/**
 * One requirement as pip reads it from a requirements file: a PEP 508 requirement (`name[extras] specifier ;
 * marker`, or `name @ url ; marker`), or a bare URL or path (`git+https://...#egg=name`, `./dist/x.whl`, `.`).
 */
export interface RequirementSpec {
  /** PEP 503-normalised; undefined when a URL or path does not say (a project folder with no `#egg=`). */
  name?: string;
  /** The version when the requirement pins exactly one (`==1.2.3`, `===1.2.3`); undefined otherwise. */
  pinned?: string;
  /** The version specifier as written (`>=2,<3`); empty for none. */
  specifier: string;
  /** Where the code comes from when it is not the index: a VCS URL, a direct URL, a file or a folder. */
  location?: { origin: PythonOrigin; url: string };
  marker?: string;
}

const NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*/;
/** `==1.2.3` or `===anything`: one exact version, no wildcard. */
const EXACT = /^\(?\s*(===?)\s*([^\s,;()*]+)\s*\)?$/;
/** Wheel and sdist file names start with the distribution name then `-<version>` (PEP 427, PEP 625). */
const ARCHIVE_NAME = /^([A-Za-z0-9](?:[A-Za-z0-9._]*[A-Za-z0-9])?)-(\d[^-]*?)(?:-[^/]*)?\.(?:whl|tar\.gz|tgz|tar\.bz2|zip)$/;

/** Why a requirement cannot be read; the caller adds the file and line. */
export class RequirementError extends Error {}

export function parseRequirement(text: string): RequirementSpec {
  const m = NAME.exec(text);
  const rest = m ? text.slice(m[0].length) : '';
  // `name @ url` first: the URL may end in `.whl`, which would otherwise read as a bare archive path.
  if (m && (rest.startsWith('@') || (!looksLikeLocation(text) && (rest === '' || /^[<>=!~(;]/.test(rest))))) {
    const name = pep503(m[1]!);
    if (rest.startsWith('@')) {
      // PEP 508 URL requirement: the marker must be separated from the URL by whitespace.
      const [url, marker] = splitMarker(rest.slice(1).trim(), true);
      if (!url) throw new RequirementError(`'${text}' has '@' but no URL`);
      return { name, specifier: '', location: { origin: pythonOrigin(url), url }, ...(marker ? { marker } : {}) };
    }
    const [specifier, marker] = splitMarker(rest, false);
    checkSpecifier(specifier, text);
    const exact = EXACT.exec(specifier);
    return { name, specifier, ...(exact ? { pinned: exact[2]! } : {}), ...(marker ? { marker } : {}) };
  }
  if (!looksLikeLocation(text)) throw new RequirementError(`'${text}' is neither a PEP 508 requirement nor a URL or path`);
  const [url, marker] = splitMarker(text, true);
  const origin = pythonOrigin(url);
  const name = nameOfLocation(url);
  const fromArchive = ARCHIVE_NAME.exec(decodeURIComponent(url.split(/[?#]/, 1)[0]!.split('/').pop() ?? ''));
  return {
    ...(name ? { name } : {}),
    specifier: '',
    ...(fromArchive && origin !== 'git' ? { pinned: fromArchive[2]! } : {}),
    location: { origin, url },
    ...(marker ? { marker } : {}),
  };
}

/**
 * pip (packaging's PEP 440 specifiers) refuses a requirement whose versions are not PEP 440 versions
 * (`==not-a-version`); only `===` takes any string, and `==`/`!=` a trailing `.*`.
 */
function checkSpecifier(specifier: string, text: string): void {
  // `/^\(\s*(.*?)\s*\)$/` without its O(n³) on blanks: `.` stops at line terminators, so a parenthesised body spans one line.
  const t = specifier.trim();
  const body = t.length >= 2 && t.startsWith('(') && t.endsWith(')') && !/[\n\r\u2028\u2029]/.test(t) ? t.slice(1, -1).trim() : t;
  if (!body) return;
  for (const clause of body.split(',')) {
    const c = /^\s*(===|==|!=|~=|<=|>=|<|>)\s*(\S+)\s*$/.exec(clause);
    if (!c) throw new RequirementError(`'${text}': '${clause.trim()}' is not a PEP 440 version specifier (pip refuses it)`);
    const [, op, version] = c as unknown as [string, string, string];
    if (op === '===') continue;
    const bare = (op === '==' || op === '!=') && version.endsWith('.*') ? version.slice(0, -2) : version;
    if (!pep440.valid(bare)) throw new RequirementError(`'${text}': ${version} is not a PEP 440 version (pip refuses it)`);
  }
}

function looksLikeLocation(text: string): boolean {
  return /^(?:[a-z][a-z0-9+.-]*:\/\/|file:|(?:git|hg|svn|bzr)\+)/i.test(text) || /^(?:\.{1,2}(?:\/|$)|\/|~\/)/.test(text) || /\.(?:whl|tar\.gz|zip)(?:$|[\s;#])/i.test(text);
}

/** `url ; marker` (whitespace before `;` for a URL, as pip requires) -> [url, marker]. */
function splitMarker(text: string, isUrl: boolean): [string, string | undefined] {
  const at = isUrl ? text.search(/\s;/) : text.indexOf(';');
  if (at < 0) return [text.trim(), undefined];
  const marker = text.slice(at + (isUrl ? 2 : 1)).trim();
  return [text.slice(0, at).trim(), marker || undefined];
}

/** The project a URL or path names: `#egg=name`, else a wheel or sdist file name; undefined for a bare folder or repository. */
export function nameOfLocation(url: string): string | undefined {
  const egg = /[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(url);
  if (egg) return pep503(egg[1]!.replace(/-\d.*$/s, ''));
  const file = decodeURIComponent(url.split(/[?#]/, 1)[0]!.split('/').pop() ?? '');
  const m = ARCHIVE_NAME.exec(file);
  return m ? pep503(m[1]!) : undefined;
}
