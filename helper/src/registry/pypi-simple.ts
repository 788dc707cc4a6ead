/**
 * Reads a simple repository API project page (untrusted), either form, into one list of files: PEP 691 JSON
 * (`application/vnd.pypi.simple.v1+json`) or PEP 503 HTML (anchors with `data-*` attributes). Fields read: the
 * file's URL, its sha256 (JSON `hashes.sha256`, HTML `#sha256=` fragment), `requires-python`, `upload-time`
 * (PEP 700, JSON only), `yanked` (PEP 592: true or the reason), `core-metadata` / `data-dist-info-metadata`
 * (PEP 658/714), `provenance` (PEP 740). A field of the wrong type reads as absent; a file whose name is not a
 * distribution of this project is skipped and said why.
 */
import { Parser } from 'htmlparser2';
import { pep503 as normalizePypiName } from '../ecosystems/pypi.js';

export const SIMPLE_JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_HTML_TYPE = 'application/vnd.pypi.simple.v1+html';

export type DistKind = 'wheel' | 'sdist';

export interface SimpleFile {
  filename: string;
  /** Absolute URL, resolved against the page. */
  url: string;
  kind: DistKind;
  version: string;
  /** Lowercase hex; undefined when the index gives none (the file then cannot be checked). */
  sha256?: string;
  requiresPython?: string;
  /** PEP 700 upload time, ISO 8601. */
  uploadTime?: string;
  /** PEP 592: false, true, or the reason given. */
  yanked: boolean | string;
  /** PEP 658/714: the `.metadata` file's sha256, true when offered without a hash, false when not offered. */
  coreMetadata: string | boolean;
  /** PEP 740: the provenance URL; null when the index says there is none; undefined when it does not say. */
  provenance?: string | null;
}

export interface SimpleProject {
  /** Normalised project name. */
  name: string;
  files: SimpleFile[];
  /** `meta.api-version` (JSON) or the `pypi:repository-version` meta tag (HTML). */
  apiVersion?: string;
  skipped: { filename: string; why: string }[];
}

const SDIST_EXTENSIONS = ['.tar.gz', '.zip', '.tar.bz2', '.tgz', '.tar'] as const;
const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The kind and version a file name says, for project `project` (normalised): a wheel
 * `{dist}-{version}(-{build})?-{py}-{abi}-{platform}.whl`, or an sdist `{name}-{version}.tar.gz` (older sdists
 * spell the name unnormalised, so the prefix is matched after normalising). Undefined for anything else.
 */
export function distOf(filename: string, project: string): { kind: DistKind; version: string } | undefined {
  if (filename.endsWith('.whl')) {
    const parts = filename.slice(0, -4).split('-');
    if ((parts.length !== 5 && parts.length !== 6) || normalizePypiName(parts[0]!) !== project || !parts[1]) return undefined;
    return { kind: 'wheel', version: parts[1] };
  }
  const ext = SDIST_EXTENSIONS.find((e) => filename.toLowerCase().endsWith(e));
  if (!ext) return undefined;
  const stem = filename.slice(0, -ext.length);
  for (let i = stem.indexOf('-'); i > 0; i = stem.indexOf('-', i + 1)) {
    if (normalizePypiName(stem.slice(0, i)) === project && stem.slice(i + 1)) return { kind: 'sdist', version: stem.slice(i + 1) };
  }
  return undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function fileNameOf(u: URL): string {
  const last = u.pathname.slice(u.pathname.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function resolve(href: string, base: string): string | undefined {
  try {
    const u = new URL(href, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

interface RawFile {
  filename: string;
  href: string;
  sha256?: string;
  requiresPython?: string;
  uploadTime?: string;
  yanked: boolean | string;
  coreMetadata: string | boolean;
  provenance?: string | null;
}

function finish(project: string, raws: RawFile[], pageUrl: string, apiVersion: string | undefined): SimpleProject {
  const files: SimpleFile[] = [];
  const skipped: SimpleProject['skipped'] = [];
  for (const r of raws) {
    const dist = distOf(r.filename, project);
    if (!dist) {
      skipped.push({ filename: r.filename, why: 'not a wheel or sdist of this project' });
      continue;
    }
    const url = resolve(r.href, pageUrl);
    if (!url) {
      skipped.push({ filename: r.filename, why: 'its URL is not http(s)' });
      continue;
    }
    const u = new URL(url);
    u.hash = '';
    // Clients take the file name from the URL (pip's Link.filename): a stated name that differs is not trusted.
    const named = fileNameOf(u);
    if (named !== r.filename) {
      skipped.push({ filename: r.filename, why: `its URL names another file (${named.slice(0, 100)})` });
      continue;
    }
    files.push({
      filename: r.filename, url: u.toString(), ...dist, yanked: r.yanked, coreMetadata: r.coreMetadata,
      ...(r.sha256 && HEX64.test(r.sha256.toLowerCase()) ? { sha256: r.sha256.toLowerCase() } : {}),
      ...(r.requiresPython ? { requiresPython: r.requiresPython } : {}),
      ...(r.uploadTime && !Number.isNaN(Date.parse(r.uploadTime)) ? { uploadTime: r.uploadTime } : {}),
      ...(r.provenance !== undefined ? { provenance: r.provenance } : {}),
    });
  }
  return { name: project, files, skipped, ...(apiVersion ? { apiVersion } : {}) };
}

/**
 * PEP 658/714 in JSON: `{sha256: hex}` gives the metadata file's sha256; `true` or a dict without a usable sha256
 * offers the file without one (true); anything else offers none. The hex is checked here, as the firewall writes it
 * back into the pages it serves.
 */
function metadataOffer(cm: unknown): string | boolean {
  if (cm === true) return true;
  if (!cm || typeof cm !== 'object') return false;
  const hex = (cm as { sha256?: unknown }).sha256;
  return typeof hex === 'string' && HEX64.test(hex.toLowerCase()) ? hex.toLowerCase() : true;
}

/** A PEP 691 JSON project page (parsed JSON) for `project` (normalised), fetched from `pageUrl`. */
export function readSimpleJson(doc: unknown, project: string, pageUrl: string): SimpleProject {
  const d = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  const meta = (d.meta && typeof d.meta === 'object' ? d.meta : {}) as Record<string, unknown>;
  const raws: RawFile[] = [];
  for (const f of Array.isArray(d.files) ? d.files : []) {
    if (!f || typeof f !== 'object') continue;
    const o = f as Record<string, unknown>;
    const filename = str(o.filename);
    const href = str(o.url);
    if (!filename || !href) continue;
    const hashes = (o.hashes && typeof o.hashes === 'object' ? o.hashes : {}) as Record<string, unknown>;
    const y = o.yanked;
    const cm = o['core-metadata'] ?? o['data-dist-info-metadata'];
    const prov = o.provenance;
    raws.push({
      filename, href, yanked: typeof y === 'string' ? y || true : y === true,
      coreMetadata: metadataOffer(cm),
      ...(str(hashes.sha256) ? { sha256: str(hashes.sha256)! } : {}),
      ...(str(o['requires-python']) ? { requiresPython: str(o['requires-python'])! } : {}),
      ...(str(o['upload-time']) ? { uploadTime: str(o['upload-time'])! } : {}),
      ...('provenance' in o ? { provenance: typeof prov === 'string' ? prov : null } : {}),
    });
  }
  return finish(project, raws, pageUrl, str(meta['api-version']));
}

/** Bound on the anchors read from one HTML page; a page listing more is refused rather than read whole. */
export const MAX_HTML_FILES = 200_000;

/** A PEP 503 HTML project page. Relative hrefs resolve against `<base href>` when given, else the page URL. */
export function readSimpleHtml(html: string, project: string, pageUrl: string): SimpleProject {
  const raws: RawFile[] = [];
  let base = pageUrl;
  let apiVersion: string | undefined;
  let open: { attrs: Record<string, string>; text: string } | undefined;
  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'base' && attrs.href) base = resolve(attrs.href, pageUrl) ?? base;
        else if (name === 'meta' && attrs.name === 'pypi:repository-version') apiVersion = attrs.content;
        else if (name === 'a' && attrs.href !== undefined) open = { attrs, text: '' };
      },
      ontext(text) {
        if (open) open.text += text;
      },
      onclosetag(name) {
        if (name !== 'a' || !open) return;
        const { attrs, text } = open;
        open = undefined;
        if (raws.length >= MAX_HTML_FILES) throw new Error(`the page lists more than ${MAX_HTML_FILES} files`);
        const fragment = /#sha256=([0-9a-fA-F]{64})$/.exec(attrs.href!);
        const cm = attrs['data-core-metadata'] ?? attrs['data-dist-info-metadata'];
        raws.push({
          filename: text.trim(), href: attrs.href!, yanked: attrs['data-yanked'] === undefined ? false : attrs['data-yanked'] || true,
          coreMetadata: cm === undefined ? false : /^sha256=[0-9a-fA-F]{64}$/.test(cm) ? cm.slice(7).toLowerCase() : true,
          ...(fragment ? { sha256: fragment[1]! } : {}),
          ...(attrs['data-requires-python'] ? { requiresPython: attrs['data-requires-python'] } : {}),
          ...(attrs['data-provenance'] ? { provenance: attrs['data-provenance'] } : {}),
        });
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return finish(project, raws, base, apiVersion);
}
