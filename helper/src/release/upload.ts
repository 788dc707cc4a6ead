/** Publishes files with a release: generic package upload, then one release asset link per file. */
import { basename } from 'node:path';
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { readFileBounded } from '../io/files.js';
import { addReleaseLink, createRelease, genericPackageFileUrl, uploadGenericPackageFile, type GitLabApi, type ReleaseLink } from './gitlab-api.js';

/** Attestations are small; a file this large is not one, and GitLab would refuse most of it anyway. */
export const MAX_FILE_BYTES = 64 * 1024 * 1024;
/** GitLab's rules for generic package names, versions and file names. */
const PACKAGE_NAME = /^[A-Za-z0-9._-]+$/;
// Dot-separated runs of word characters, '+' and '-', with an optional leading and trailing dot. Written without
// nested quantifiers: the version is usually $CI_COMMIT_TAG, which anyone who can push a tag controls, and the
// nested form backtracks exponentially on a near-miss.
const PACKAGE_VERSION = /^\.?[\w+-]+(?:\.[\w+-]+)*\.?$/;
/** GitLab's limit on a generic package version. */
const MAX_VERSION_LENGTH = 255;
const FILE_NAME = /^[A-Za-z0-9._~+-]+$/;
/** Where the links point inside the release, e.g. /-/releases/v1/downloads/attestations/provenance.sigstore.json. */
const ASSET_PATH_PREFIX = '/attestations/';

export interface UploadRequest {
  files: string[];
  packageName: string;
  version: string;
  /** The release to link the files from; undefined uploads only. */
  tag?: string;
}

export interface UploadResult {
  files: { file: string; sha256: string; url: string }[];
  release?: { tag: string; created: boolean; links: number };
}

export function checkRequest(req: UploadRequest): void {
  if (!PACKAGE_NAME.test(req.packageName)) throw new InputError('INPUT', `package name '${req.packageName}' may hold only letters, digits, '.', '_' and '-'`, { where: { field: '--package' } });
  if (req.version.length > MAX_VERSION_LENGTH || !PACKAGE_VERSION.test(req.version)) throw new InputError('INPUT', `package version '${req.version}' is not a valid generic package version`, { where: { field: '--version' } });
  const names = new Set<string>();
  for (const f of req.files) {
    const name = basename(f);
    if (!FILE_NAME.test(name)) throw new InputError('INPUT', `file name '${name}' is not allowed in the generic package registry`, { where: { file: f } });
    if (names.has(name)) throw new InputError('INPUT', `two files are named '${name}'; generic package file names must be unique`, { where: { file: f } });
    names.add(name);
  }
}

export async function uploadRelease(api: GitLabApi, req: UploadRequest, read = (f: string) => readFileBounded(f, MAX_FILE_BYTES, 'file to publish')): Promise<UploadResult> {
  checkRequest(req);
  const result: UploadResult = { files: [] };
  // Every file is read before the first upload, so that a missing one leaves nothing half-published.
  const contents = await Promise.all(req.files.map((f) => read(f)));
  for (const [i, file] of req.files.entries()) {
    const content = contents[i]!;
    const url = genericPackageFileUrl(api, req.packageName, req.version, basename(file));
    await uploadGenericPackageFile(api, url, content);
    result.files.push({ file, sha256: createHash('sha256').update(content).digest('hex'), url });
  }
  if (req.tag === undefined) return result;
  const links: ReleaseLink[] = result.files.map((f) => ({ name: basename(f.file), url: f.url, direct_asset_path: `${ASSET_PATH_PREFIX}${basename(f.file)}`, link_type: 'other' }));
  const [first, ...rest] = links;
  if (first === undefined) return result;
  // The first link tells whether the release exists; without one, the release is created with every link.
  if (!(await addReleaseLink(api, req.tag, first))) {
    await createRelease(api, req.tag, links);
    result.release = { tag: req.tag, created: true, links: links.length };
    return result;
  }
  for (const link of rest) await addReleaseLink(api, req.tag, link);
  result.release = { tag: req.tag, created: false, links: links.length };
  return result;
}
