/**
 * The one place PyPI facts are read from index documents, for `sscs policy check` and the firewall alike: a
 * simple API project page (pypi-simple.ts) -> PackumentMeta (the facts model npm uses too) -> PackageFacts per
 * version or per file, and the JSON API (`/pypi/<project>/<version>/json`) for the licence.
 *
 * - publish time: PEP 700 `upload-time`. A release's time is its first file's; a file added to an old release
 *   later (PyPI allows it) is judged on its own upload time where files are decided one by one (the firewall).
 * - install-time code: an sdist runs its build backend (setup.py) at install; a wheel does not. A release with
 *   no wheel has install-time code for every installer; a single sdist file has it.
 * - yanked (PEP 592): the `deprecated` fact, with the reason; pip installs a yanked release only when pinned.
 * - provenance (PEP 740): a file with a provenance URL has attestations. An index whose JSON pages carry the
 *   `provenance` key (null for none) offers them, so a file without one has none; otherwise it is unknown.
 * - licence: PEP 639 `license_expression`, else the `License ::` trove classifiers that name one SPDX licence,
 *   else the free-text `license` field when it is a single SPDX-looking id; the simple API has no licence.
 */
import type { PackageFacts } from '../policy/types.js';
import { PEP440 } from '../ecosystems/pep440.js';
import { releaseHistory, type VersionRecord } from './history.js';
import { factsFromPackument, offersAttestations, type PackumentMeta, type VersionMeta } from './packument.js';
import type { SimpleFile, SimpleProject } from './pypi-simple.js';

/** Indexes known to serve PEP 740 provenance. */
const ATTESTING_INDEX_HOSTS = new Set(['pypi.org']);

/** Trove classifiers that name exactly one SPDX licence (the common ones; others leave the licence unknown). */
const CLASSIFIER_SPDX: Record<string, string> = {
  'License :: OSI Approved :: MIT License': 'MIT',
  'License :: OSI Approved :: MIT No Attribution License (MIT-0)': 'MIT-0',
  'License :: OSI Approved :: Apache Software License': 'Apache-2.0',
  'License :: OSI Approved :: BSD License': 'BSD-3-Clause',
  'License :: OSI Approved :: ISC License (ISCL)': 'ISC',
  'License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'License :: OSI Approved :: GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'License :: OSI Approved :: GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'License :: OSI Approved :: GNU Affero General Public License v3': 'AGPL-3.0-only',
  'License :: OSI Approved :: Python Software Foundation License': 'PSF-2.0',
  'License :: OSI Approved :: The Unlicense (Unlicense)': 'Unlicense',
  'License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication': 'CC0-1.0',
};
const SPDX_ID = /^[A-Za-z0-9][A-Za-z0-9.+-]{1,63}$/;

/** The facts of a whole project page: one entry per release, in the model npm's packuments are read into. */
export function projectMeta(project: SimpleProject, indexUrl: string): PackumentMeta {
  const time: Record<string, string> = Object.create(null) as Record<string, string>;
  const versions: Record<string, VersionMeta> = Object.create(null) as Record<string, VersionMeta>;
  const byVersion = new Map<string, SimpleFile[]>();
  for (const f of project.files) byVersion.set(f.version, [...(byVersion.get(f.version) ?? []), f]);
  const offered = offersProvenance(project, indexUrl);
  for (const [version, files] of byVersion) {
    const meta: VersionMeta = { hasInstallScript: !files.some((f) => f.kind === 'wheel') };
    const yanked = files.find((f) => f.yanked !== false)?.yanked;
    if (yanked !== undefined) meta.deprecated = yankedText(yanked);
    if (files.every((f) => typeof f.provenance === 'string')) meta.attestations = true;
    versions[version] = meta;
    const first = files.map((f) => f.uploadTime).filter((t): t is string => t !== undefined).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
    if (first) time[version] = first;
  }
  // Release history as for npm (registry/history.ts), in PEP 440 order. PyPI names no uploader, so
  // publisher_changed stays unknown; install-time code is a property of each file (an sdist runs its build,
  // a wheel does not) while the history compares releases, so install_script_added stays unknown too.
  const records: VersionRecord[] = Object.entries(versions).map(([version, m]) => {
    const at = time[version] === undefined ? NaN : Date.parse(time[version]);
    return { version, attested: m.attestations === true, publishedAt: Number.isNaN(at) ? undefined : at, time: time[version], publisher: undefined, hasInstallScript: undefined };
  });
  for (const [version, history] of releaseHistory(records, (a, b) => PEP440.compare(a, b))) versions[version]!.history = history;
  return { name: project.name, time, versions, attestationsOffered: offered };
}

const yankedText = (y: boolean | string): string => (typeof y === 'string' ? `yanked: ${y}` : 'yanked');

function offersProvenance(project: SimpleProject, indexUrl: string): boolean {
  if (project.files.some((f) => f.provenance !== undefined)) return true;
  return offersAttestations(indexUrl) || hostIn(indexUrl, ATTESTING_INDEX_HOSTS);
}

function hostIn(url: string, hosts: Set<string>): boolean {
  try {
    return hosts.has(new URL(url).host);
  } catch {
    return false;
  }
}

/** The facts of one file: its release's, with the file's own upload time, install-time code and provenance. */
export function fileFacts(meta: PackumentMeta, file: SimpleFile): PackageFacts {
  const facts = factsFromPackument(meta, file.version);
  if (!facts.metadataAvailable) return facts;
  if (file.uploadTime) facts.publishedAt = new Date(file.uploadTime);
  facts.hasInstallScripts = file.kind === 'sdist';
  if (file.yanked !== false) facts.deprecated = yankedText(file.yanked);
  if (typeof file.provenance === 'string') facts.hasProvenance = true;
  else if (meta.attestationsOffered) facts.hasProvenance = false;
  else delete facts.hasProvenance;
  return facts;
}

/** The licence a JSON API release document (`/pypi/<project>/<version>/json`, untrusted) states, if any. */
export function licenseOfRelease(doc: unknown): string | undefined {
  const info = doc && typeof doc === 'object' ? (doc as { info?: unknown }).info : undefined;
  if (!info || typeof info !== 'object') return undefined;
  const i = info as Record<string, unknown>;
  if (typeof i.license_expression === 'string' && i.license_expression.trim()) return i.license_expression.trim();
  const classifiers = Array.isArray(i.classifiers) ? i.classifiers.filter((c): c is string => typeof c === 'string' && c.startsWith('License ::')) : [];
  const spdx = [...new Set(classifiers.map((c) => CLASSIFIER_SPDX[c]).filter((s): s is string => s !== undefined))];
  if (spdx.length && spdx.length === classifiers.length) return spdx.length === 1 ? spdx[0] : `(${spdx.join(' OR ')})`;
  if (typeof i.license === 'string' && SPDX_ID.test(i.license.trim())) return i.license.trim();
  return undefined;
}

/**
 * The JSON API URL of a release, next to a simple index: `https://pypi.org/simple/` -> `https://pypi.org/pypi/
 * <project>/<version>/json` (warehouse's layout). Undefined for an index not laid out that way.
 */
export function releaseJsonUrl(indexUrl: string, project: string, version: string): string | undefined {
  const u = new URL(indexUrl);
  if (!u.pathname.endsWith('/simple/')) return undefined;
  u.pathname = `${u.pathname.slice(0, -'simple/'.length)}pypi/${encodeURIComponent(project)}/${encodeURIComponent(version)}/json`;
  u.search = '';
  return u.toString();
}
