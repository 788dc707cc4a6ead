/**
 * Reads a PyPI project's facts for `sscs policy check`: its simple API page (PEP 691 JSON asked first, PEP 503
 * HTML accepted, as pip asks) and, for the releases the check needs, the JSON API's licence. A JSON API that is
 * not there (an index other than warehouse) leaves the licence unknown, never "none".
 */
import { ServiceError } from '../errors.js';
import type { PackumentMeta } from './packument.js';
import { licenseOfRelease, projectMeta, releaseJsonUrl } from './pypi-facts.js';
import { pep503 as normalizePypiName } from '../ecosystems/pypi.js';
import { readSimpleHtml, readSimpleJson, SIMPLE_JSON_TYPE, type SimpleProject } from './pypi-simple.js';

export const PYPI_DEFAULT_INDEX = 'https://pypi.org/simple/';
/** What pip 22.2+ sends: PEP 691 JSON first, the HTML forms as fallbacks. */
export const SIMPLE_ACCEPT = `${SIMPLE_JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.1, text/html;q=0.01`;

/**
 * The Python index a check reads facts from: pip's own PIP_INDEX_URL when it is an http(s) URL without
 * credentials (a URL with user:password is not used, so the password is never sent or shown), else pypi.org.
 */
export function pypiIndexOf(env: NodeJS.ProcessEnv): string | undefined {
  const raw = env.PIP_INDEX_URL;
  if (!raw) return undefined;
  try {
    const u = new URL(raw);
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password) return undefined;
    return u.toString().endsWith('/') ? u.toString() : `${u.toString()}/`;
  } catch {
    return undefined;
  }
}

export type Getter = (url: string, accept: string) => Promise<{ status: number; body?: string; contentType?: string; url: string }>;

/** Reads a project page body by its content type: JSON for PEP 691, HTML otherwise. */
export function readProjectPage(body: string, contentType: string | undefined, project: string, pageUrl: string): SimpleProject {
  if ((contentType ?? '').toLowerCase().startsWith(SIMPLE_JSON_TYPE)) {
    let doc: unknown;
    try {
      doc = JSON.parse(body);
    } catch (e) {
      throw new ServiceError('SERVICE', `the index sent a JSON project page for ${project} that is not JSON`, { cause: e });
    }
    return readSimpleJson(doc, project, pageUrl);
  }
  return readSimpleHtml(body, project, pageUrl);
}

/** The project's facts, or null when the index does not have it. */
export async function loadPypiProject(get: Getter, index: string, name: string, versions: readonly string[]): Promise<PackumentMeta | null> {
  const project = normalizePypiName(name);
  const page = await get(`${index}${encodeURIComponent(project)}/`, SIMPLE_ACCEPT);
  if (page.status === 404 || page.body === undefined) return null;
  const meta = projectMeta(readProjectPage(page.body, page.contentType, project, page.url), index);
  await Promise.all(
    [...new Set(versions)].filter((v) => Object.hasOwn(meta.versions, v)).map(async (v) => {
      const url = releaseJsonUrl(index, project, v);
      if (!url) return;
      const r = await get(url, 'application/json');
      if (r.status !== 200 || r.body === undefined) return;
      let doc: unknown;
      try {
        doc = JSON.parse(r.body);
      } catch {
        return;
      }
      const license = licenseOfRelease(doc);
      if (license) meta.versions[v]!.license = license;
    }),
  );
  return meta;
}
