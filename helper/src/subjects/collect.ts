import { relative, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import { assertRegularFile, decodeUtf8, isInside, readFileBounded } from '../io/files.js';
import { parseChecksums } from './checksums.js';
import { DigestHelpers, MIN_FILES_FOR_WORKER, digestPaths, smallFileWorkerWanted, type DigestAlgorithm } from './digest.js';
import { FoundFiles } from './found.js';
import { GlobError, globToRegExp, hasMagic, staticPrefix } from './glob.js';
import { parseImageSubject } from './image.js';
import { anyRefusedCharacter, assertSubjectName } from './name.js';
import { compareBytes, compareCodeUnits, inByteOrder, mayPartFromByteOrder } from './order.js';
import type { Subject } from './subject.js';
import { tarMemberSubjects } from './tar.js';
import { resolveInRoot, walkFiles } from './walk.js';

/** Far above any real build, low enough that a runaway pattern fails before memory does. */
export const MAX_SUBJECTS = 500_000;
const MAX_CHECKSUMS_FILE_BYTES = 256 * 1024 * 1024;

export interface SubjectSources {
  /** Paths and globs, relative to `cwd`; folders are taken recursively. */
  patterns?: readonly string[];
  /** `sha256sum`/BSD checksum files. */
  checksumFiles?: readonly string[];
  /** `name@sha256:<hex>` image references. */
  images?: readonly string[];
  /** Tar archives whose members are subjects. */
  tarFiles?: readonly string[];
  algorithms: readonly DigestAlgorithm[];
  /** The project folder: nothing outside it is read. */
  root: string;
  cwd: string;
}

const toPosix = (p: string) => p.split(sep).join('/');

/** Collects and digests every subject, merged by name and sorted, so the output is deterministic. */
export async function collectSubjects(src: SubjectSources): Promise<Subject[]> {
  // A walk that finds many files starts a digest worker there and then, so that its start-up (30-40 ms here)
  // overlaps the rest of the walk rather than the hashing (only on a machine that is not busy: digest.ts); it is closed
  // whatever happens.
  const helpers = new DigestHelpers();
  try {
    return await collect(src, helpers);
  } finally {
    helpers.close();
  }
}

async function collect(src: SubjectSources, helpers: DigestHelpers): Promise<Subject[]> {
  const root = resolve(src.root);
  const found = new FoundFiles();
  let prestart = true;
  const onMatch = () => {
    if (prestart && found.size >= MIN_FILES_FOR_WORKER) {
      prestart = false;
      if (smallFileWorkerWanted()) helpers.grow(1);
    }
  };
  for (const pattern of src.patterns ?? []) {
    const before = found.size;
    if (before > 0) found.allowRepeats();
    const matched = expandPattern(root, src.cwd, pattern, found, onMatch);
    if (matched === 0) {
      throw new InputError('NO_SUBJECTS', `--subject '${pattern}' matched no files`, {
        hint: `Patterns are relative to ${src.cwd}; check that the build wrote its outputs there (and that the job has them, e.g. through needs: artifacts).`,
      });
    }
    if (found.size > MAX_SUBJECTS) throw new InputError('LIMIT', `more than ${MAX_SUBJECTS} subjects (after '${pattern}', ${found.size - before} new)`);
  }
  // Before any file is opened: a name that could forge a line or display in another order, or a FIFO that would
  // block the read. One scan of all names for refused characters (a regular-expression run per file was a tenth of
  // the non-hashing time on 10,000 files), and a pass over the files only when a name or an entry needs a look; the
  // errors and their order are as with a check of each file in turn.
  const { names, contents, others } = found;
  const joined = names.join('');
  const checkNames = anyRefusedCharacter(joined);
  if (checkNames || others.size > 0) {
    names.forEach((name, i) => {
      if (checkNames) assertSubjectName(name);
      const other = others.get(i);
      if (other) assertRegularFile(other.kind, other.path, 'subject');
    });
  }
  const digests = await digestPaths(contents, src.algorithms, { helpers });
  const subjects: Subject[] = names.map((name, i) => ({ name, digest: digests[i] as Subject['digest'] }));
  const fromFiles = subjects.length;

  for (const file of src.checksumFiles ?? []) {
    const abs = regularFileInRoot(root, resolve(src.cwd, file), 'checksums file');
    // Strict UTF-8, as for a walked name: decoded loosely, two names differing in a stray byte would read as one.
    const text = decodeUtf8(await readFileBounded(abs, MAX_CHECKSUMS_FILE_BYTES, 'checksums file'), file, 'checksums file');
    const parsed = parseChecksums(text, file);
    if (parsed.length === 0) throw new InputError('NO_SUBJECTS', 'the checksums file lists no files', { where: { file } });
    for (const s of parsed) assertSubjectName(s.name, file);
    subjects.push(...parsed);
  }
  for (const ref of src.images ?? []) subjects.push(parseImageSubject(ref));
  for (const file of src.tarFiles ?? []) {
    const abs = regularFileInRoot(root, resolve(src.cwd, file), 'archive');
    const members = await tarMemberSubjects(abs, src.algorithms);
    if (members.length === 0) throw new InputError('NO_SUBJECTS', 'the archive holds no files', { where: { file } });
    for (const m of members) assertSubjectName(m.name, file);
    subjects.push(...members);
  }
  // The common case, the files of one folder walked in byte order: FoundFiles saw the order as they came, so
  // there is nothing to merge or sort, and no second pass to say so (10,000 comparisons cost 13 million
  // instructions there, cold). FoundFiles notes the order with JavaScript's comparison, which is byte order unless a
  // name holds a code unit from U+D800 up (order.ts): then the names are looked at again, exactly.
  if (found.ordered && subjects.length === fromFiles && (!mayPartFromByteOrder(joined) || inByteOrder(names))) {
    if (subjects.length > MAX_SUBJECTS) throw new InputError('LIMIT', `more than ${MAX_SUBJECTS} subjects`);
    return subjects;
  }
  return mergeByName(subjects);
}

/** The real path of a file given by name, which must be a regular file inside the root. */
function regularFileInRoot(root: string, path: string, what: string): string {
  const target = resolveInRoot(root, path);
  assertRegularFile(target.kind, path, what);
  return target.realPath;
}

/** Adds the files `pattern` matches to `found`, calling `onMatch` after each; returns how many it matched (found before or not). */
function expandPattern(root: string, cwd: string, pattern: string, found: FoundFiles, onMatch: () => void): number {
  const posixPattern = toPosix(pattern);
  const { base, rest } = staticPrefix(posixPattern);
  const baseAbs = resolve(cwd, base || '.');
  if (!isInside(root, baseAbs)) {
    throw new InputError('PATH_ESCAPE', `--subject '${pattern}' is outside the project folder ${root}`);
  }
  const nameOf = (abs: string) => toPosix(relative(cwd, abs));
  const nameUnderBase = walkedName(cwd, baseAbs, nameOf);
  let matcher: RegExp | undefined;
  try {
    matcher = rest ? globToRegExp(rest) : undefined;
  } catch (e) {
    if (!(e instanceof GlobError)) throw e;
    throw new InputError('MALFORMED', `--subject '${pattern}' is not a pattern sscs can use: ${e.message}`, {
      cause: e,
      hint: "Patterns take ** (any folders), * and ? (within a folder), classes [abc], [a-z] and [!abc], and {a,b}; a '[' with no ']' after it is literal.",
    });
  }
  let matched = 0;
  if (!hasMagic(posixPattern)) {
    let target: ReturnType<typeof resolveInRoot> | undefined;
    try {
      target = resolveInRoot(root, baseAbs);
    } catch (e) {
      if (!(e instanceof InputError && e.code === 'FILE_NOT_FOUND')) throw e;
    }
    if (!target) return 0;
    if (!target.isDirectory) {
      found.add(nameOf(baseAbs), baseAbs, target.kind === 'file' && target.realPath === baseAbs ? undefined : { path: baseAbs, realPath: target.realPath, size: target.size, kind: target.kind });
      return 1;
    }
    walkFiles(root, baseAbs, (rel, path, other) => {
      found.add(nameUnderBase(path, rel), path, other);
      matched++;
      onMatch();
    });
    return matched;
  }
  let baseTarget: ReturnType<typeof resolveInRoot> | undefined;
  try {
    baseTarget = resolveInRoot(root, baseAbs);
  } catch (e) {
    if (!(e instanceof InputError && e.code === 'FILE_NOT_FOUND')) throw e;
  }
  if (!baseTarget?.isDirectory) return 0;
  // A match may be a folder (`dist/*` matching `dist/js`): its files are subjects too.
  const folderMatch = matcher ? new RegExp(matcher.source.replace(/\$$/, '(?:/.*)?$'), matcher.flags) : undefined;
  walkFiles(
    root,
    baseAbs,
    (rel, path, other) => {
      if (folderMatch && !folderMatch.test(rel)) return;
      found.add(nameUnderBase(path, rel), path, other);
      matched++;
      onMatch();
    },
    undefined,
    '',
    folderMatch ? (rel) => !folderMatch.test(rel) : undefined,
  );
  return matched;
}

/**
 * Names of the files a walk from `baseAbs` finds, relative to `cwd`. When `baseAbs` is `cwd` or below it, a
 * name is the folder's name and the walk's own relative path (readdir names hold no '/', '.' or '..'), which
 * spares a path.relative per file: a tenth of `sscs digest` on 10,000 files. Otherwise `nameOf` decides.
 */
function walkedName(cwd: string, baseAbs: string, nameOf: (abs: string) => string): (abs: string, relFromBase: string) => string {
  const prefix = nameOf(baseAbs);
  if (prefix === '') return (_abs, rel) => rel;
  if (prefix === '..' || prefix.startsWith('../') || prefix.startsWith('/')) return (abs) => nameOf(abs);
  return (_abs, rel) => `${prefix}/${rel}`;
}

/** Subjects merged by name (one subject per name, its digests from every source) and sorted in byte order (order.ts). */
function mergeByName(subjects: Subject[]): Subject[] {
  // JavaScript's own comparison where it is byte order (no name holds a code unit from U+D800 up), the exact one otherwise.
  const compare = mayPartFromByteOrder(subjects.map((s) => s.name).join('')) ? compareBytes : compareCodeUnits;
  // In byte order already (files and other sources that do not overlap): nothing to merge or sort.
  let ordered = true;
  for (let i = 1; ordered && i < subjects.length; i++) ordered = compare((subjects[i - 1] as Subject).name, (subjects[i] as Subject).name) < 0;
  if (ordered) {
    if (subjects.length > MAX_SUBJECTS) throw new InputError('LIMIT', `more than ${MAX_SUBJECTS} subjects`);
    return subjects;
  }
  const byName = new Map<string, Subject>();
  for (const s of subjects) {
    const prev = byName.get(s.name);
    if (!prev) {
      byName.set(s.name, { name: s.name, digest: { ...s.digest } });
      continue;
    }
    for (const [alg, hex] of Object.entries(s.digest) as [keyof Subject['digest'], string][]) {
      if (prev.digest[alg] && prev.digest[alg] !== hex) {
        throw new InputError('CONTEXT_MISMATCH', `subject '${s.name}' has two different ${alg} digests from two sources`, {
          hint: 'A checksums file or archive disagrees with the file on disk: the artifact changed after its checksum was taken.',
        });
      }
      prev.digest[alg] = hex;
    }
  }
  if (byName.size > MAX_SUBJECTS) throw new InputError('LIMIT', `more than ${MAX_SUBJECTS} subjects`);
  return [...byName.values()].sort((a, b) => compare(a.name, b.name));
}
