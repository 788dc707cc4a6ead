/**
 * A PyPI project page as the firewall serves it: only the files the policy lets through, each pointing at the
 * firewall (`/files/<project>/<file>`), in the form the client asked for. The page is written from the fields
 * the firewall read and checked (pypi-simple.ts), never passed through: what a client sees is what was decided.
 * Forms and negotiation follow warehouse (api/simple.py): `text/html`, `application/vnd.pypi.simple.v1+html`
 * and `application/vnd.pypi.simple.v1+json` offered in that order, the highest q-value wins, HTML by default.
 */
import type { SimpleFile } from '../registry/pypi-simple.js';
import { SIMPLE_HTML_TYPE, SIMPLE_JSON_TYPE } from '../registry/pypi-simple.js';
import { PYPI_FILES } from './route.js';

export type PageForm = 'text/html' | typeof SIMPLE_HTML_TYPE | typeof SIMPLE_JSON_TYPE;
const OFFERS: readonly PageForm[] = ['text/html', SIMPLE_HTML_TYPE, SIMPLE_JSON_TYPE];
/** PEP 700 fields (upload-time) are served: API version 1.1. */
export const SERVED_API_VERSION = '1.1';

/**
 * The form for an Accept header, as warehouse chooses it (webob's acceptable_offers, first offer); undefined when
 * the header accepts none of them (warehouse answers 406). A range whose q is not a valid qvalue is ignored.
 */
export function pageForm(accept: string | undefined): PageForm | undefined {
  if (!accept?.trim()) return 'text/html';
  const ranges = accept.split(',').slice(0, 64).map((part) => {
    const [type = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const qs = params.filter((p) => p.startsWith('q='));
    const q = qs.length ? /^q=([01](?:\.\d{0,3})?)$/.exec(qs[0]!) : null;
    return { type, q: qs.length ? (q && Number(q[1]) <= 1 ? Number(q[1]) : 0) : 1 };
  });
  let best: { form: PageForm; q: number } | undefined;
  for (const form of OFFERS) {
    const major = form.slice(0, form.indexOf('/'));
    const match = ranges.filter((r) => r.type === form || r.type === `${major}/*` || r.type === '*/*').sort((a, b) => b.type.length - a.type.length)[0];
    if (match && match.q > 0 && (!best || match.q > best.q)) best = { form, q: match.q };
  }
  return best?.form;
}

/** The file's URL on the firewall. Only names PYPI_FILE accepts are served, so none needs percent-encoding (`+` and `!` stay as they are). */
export const fileUrl = (publicBase: string, project: string, filename: string): string => `${publicBase}${PYPI_FILES}${project}/${filename}`;

const escapeHtml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/**
 * PEP 691 JSON. A file's core metadata (PEP 658) is offered only when the upstream offered it with a sha256 (the
 * firewall checks the bytes against it, pypi-metadata.ts), under PEP 714's `core-metadata` and the older
 * `data-dist-info-metadata` that warehouse also writes; never `dist-info-metadata`, which pip 22.3-23.1 crash on.
 */
export function renderJson(project: string, files: readonly SimpleFile[], publicBase: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      meta: { 'api-version': SERVED_API_VERSION },
      name: project,
      versions: [...new Set(files.map((f) => f.version))],
      files: files.map((f) => {
        const metadata = typeof f.coreMetadata === 'string' ? { sha256: f.coreMetadata } : false;
        return {
          filename: f.filename,
          url: fileUrl(publicBase, project, f.filename),
          hashes: f.sha256 ? { sha256: f.sha256 } : {},
          ...(f.requiresPython ? { 'requires-python': f.requiresPython } : {}),
          ...(f.uploadTime ? { 'upload-time': f.uploadTime } : {}),
          yanked: f.yanked,
          'core-metadata': metadata,
          'data-dist-info-metadata': metadata,
        };
      }),
    }),
  );
}

/**
 * PEP 503 HTML, anchors as warehouse writes them (`#sha256=` fragment, `data-requires-python`, `data-yanked`, and
 * for core metadata offered with a sha256 both `data-core-metadata` (PEP 714) and `data-dist-info-metadata` (PEP 658,
 * read by pip before 23.2)).
 */
export function renderHtml(project: string, files: readonly SimpleFile[], publicBase: string): Buffer {
  const anchors = files.map((f) => {
    const attrs = [`href="${escapeHtml(fileUrl(publicBase, project, f.filename) + (f.sha256 ? `#sha256=${f.sha256}` : ''))}"`];
    if (f.requiresPython) attrs.push(`data-requires-python="${escapeHtml(f.requiresPython)}"`);
    if (f.yanked !== false) attrs.push(`data-yanked="${f.yanked === true ? '' : escapeHtml(f.yanked)}"`);
    if (typeof f.coreMetadata === 'string') attrs.push(`data-dist-info-metadata="sha256=${f.coreMetadata}"`, `data-core-metadata="sha256=${f.coreMetadata}"`);
    return `    <a ${attrs.join(' ')}>${escapeHtml(f.filename)}</a><br />`;
  });
  const name = escapeHtml(project);
  return Buffer.from(`<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="${SERVED_API_VERSION}">\n    <title>Links for ${name}</title>\n  </head>\n  <body>\n    <h1>Links for ${name}</h1>\n${anchors.join('\n')}\n  </body>\n</html>\n`);
}
