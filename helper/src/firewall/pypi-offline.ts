/**
 * PyPI while the index is unreachable and its page is not in memory (a firewall restarted offline): only files the
 * firewall served before, each from its stored decision (Store.ServedFile), as npm tarballs are served offline
 * (offline.ts). A file qualifies when it was served under the current inputs (policy, scanner, feed), to the same
 * credential, with the sha256 the store remembers for its name, when its verified bytes are in the cache, and
 * when the engine still serves its release now, decided on what is known without the index (metadata conditions
 * are unknown and the policy's on_unknown decides them). The project page is then built from those files alone,
 * without core metadata (pip reads it from the cached file). A file never decided, or any other, gets the
 * fail-closed 503. `--offline-cached refuse` turns all of this off.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision, PackageFacts } from '../policy/types.js';
import { documentKey } from '../registry/metadata.js';
import { distOf, SIMPLE_JSON_TYPE, type SimpleFile } from '../registry/pypi-simple.js';
import type { HandlerContext, Outcome } from './context.js';
import { decide, serves } from './evaluator.js';
import { pypiRef, sha256Digest } from './pypi-cache.js';
import { pageForm, renderHtml, renderJson } from './pypi-page.js';
import { DECISION_HEADER, decisionHeader, sendCached, sendError } from './respond.js';
import type { ServedFile } from './store.js';

/** Files recorded by this process, so a hot file is not re-written on every request. */
const recorded = new WeakMap<object, Map<string, string>>();
const MAX_MEMO = 100_000;

/** Records that `file` of `name` was served under `d` to this request's credential (see ServedFile). */
export async function recordServedFile(ctx: HandlerContext, req: IncomingMessage, name: string, file: SimpleFile, d: Decision, out: Outcome): Promise<void> {
  const pkg = pypiRef(name, file.version);
  const credential = ctx.pypi!.credentialOf(req.headers);
  let memo = recorded.get(ctx.store);
  if (!memo) recorded.set(ctx.store, (memo = new Map()));
  const key = `${documentKey(pkg)}\0${file.filename}`;
  const value = `${file.sha256}\0${d.action}\0${d.rule}\0${credential}\0${ctx.policy.version}\0${file.requiresPython ?? ''}\0${String(file.yanked)}`;
  if (memo.get(key) === value) return;
  if (memo.size >= MAX_MEMO) memo.clear();
  try {
    await ctx.store.recordServedFile({
      name: documentKey(pkg), file: file.filename, version: pkg.version, sha256: file.sha256!, action: d.action, rule: d.rule, credential,
      servedUnder: ctx.policy.version, ...(file.requiresPython ? { requiresPython: file.requiresPython } : {}), yanked: file.yanked, servedAt: new Date(),
    });
    memo.set(key, value);
  } catch (e) {
    // The bytes went out already; without the record the file is only not served offline (fail closed).
    out.error = `recording the served file: ${(e as Error).message}`;
  }
}

/** The stored files that may be served now, each with its decision of now; why the others may not, for the log. */
async function servable(ctx: HandlerContext, req: IncomingMessage, name: string): Promise<{ files: { f: ServedFile; d: Decision }[]; refused: string[] }> {
  const key = documentKey({ ecosystem: 'pypi', name });
  const credential = ctx.pypi!.credentialOf(req.headers);
  const at = new Date();
  const [stored, digests, records] = await Promise.all([ctx.store.servedFiles(key), ctx.store.fileDigests(key), ctx.store.records(key, at)]);
  const files: { f: ServedFile; d: Decision }[] = [];
  const refused: string[] = [];
  for (const f of stored) {
    const why = !serves({ action: f.action, rule: f.rule, reason: '' }) ? 'not served when last decided'
      : f.servedUnder !== ctx.policy.version ? 'served under another policy, scan setting, scanner or feed'
      : f.credential !== credential ? 'fetched with another credential'
      : digests.get(f.file) !== f.sha256 ? 'its sha256 is not the one remembered for the file name'
      : !ctx.tarballs.has(sha256Digest(f.sha256)) ? 'not in the cache' : undefined;
    if (why) {
      refused.push(`${f.file}: ${why}`);
      continue;
    }
    const pkg = pypiRef(name, f.version);
    let facts: PackageFacts = { metadataAvailable: false, metadataError: 'upstream index unavailable' };
    if (ctx.enrich) facts = ctx.enrich(name, pkg.version, facts, 'pypi');
    const findings = ctx.scanner ? records.scans.get(pkg.version) : undefined;
    const d = decide(ctx.policy, records, pkg, findings ? { ...facts, suspicious: findings } : facts, at);
    if (serves(d)) files.push({ f, d });
    else refused.push(`${f.file}: the policy now says ${d.action} by ${d.rule}`);
  }
  return { files, refused };
}

const refuse = (res: ServerResponse, out: Outcome, message: string, why: string): number => {
  out.decision = 'unavailable';
  out.error = why.slice(0, 500);
  sendError(res, 503, `sscs firewall: ${message}`);
  return 503;
};

/** The project page offline: the servable stored files, in the form the client asked for; else 503 with `message`. */
export async function servePypiPageOffline(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, out: Outcome, message: string): Promise<number> {
  if (!ctx.serveCachedOffline) return refuse(res, out, message, 'offline serving is off');
  const { files, refused } = await servable(ctx, req, name);
  if (!files.length) return refuse(res, out, message, refused.join('; ') || 'no file of the project was served before');
  const form = pageForm(req.headers.accept);
  if (!form) {
    sendError(res, 406, 'sscs firewall: the Accept header accepts none of text/html, application/vnd.pypi.simple.v1+html, application/vnd.pypi.simple.v1+json');
    return 406;
  }
  const page: SimpleFile[] = files.map(({ f }) => ({
    filename: f.file, url: '', kind: distOf(f.file, name)?.kind ?? 'sdist', version: f.version, sha256: f.sha256, yanked: f.yanked, coreMetadata: false,
    ...(f.requiresPython ? { requiresPython: f.requiresPython } : {}),
  }));
  const base = ctx.pypi!.publicBase();
  const body = form === SIMPLE_JSON_TYPE ? renderJson(name, page, base) : renderHtml(name, page, base);
  out.decision = 'allow';
  out.cache = 'offline';
  if (refused.length) out.error = `offline, left off: ${refused.join('; ')}`.slice(0, 500);
  res.writeHead(200, { 'content-type': form === 'text/html' ? 'text/html; charset=utf-8' : form, 'content-length': body.length, vary: 'Accept', 'cache-control': 'no-cache', [DECISION_HEADER]: 'allow' });
  res.end(req.method === 'HEAD' ? undefined : body);
  return 200;
}

/** A file offline: served from the cache when it is servable (see above); else 503 with `message`. */
export async function servePypiFileOffline(ctx: HandlerContext, req: IncomingMessage, res: ServerResponse, name: string, filename: string, out: Outcome, message: string): Promise<number> {
  if (!ctx.serveCachedOffline) return refuse(res, out, message, 'offline serving is off');
  const { files, refused } = await servable(ctx, req, name);
  const hit = files.find(({ f }) => f.file === filename);
  if (!hit) return refuse(res, out, message, refused.find((r) => r.startsWith(`${filename}: `)) ?? `${filename}: no stored decision`);
  out.version = hit.f.version;
  const cached = await ctx.tarballs.open(sha256Digest(hit.f.sha256));
  if (!cached) return refuse(res, out, message, `${filename}: not in the cache`);
  out.decision = hit.d.action;
  out.rule = hit.d.rule;
  out.cache = 'offline';
  ctx.metrics.cache('tarball', 'stale');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': cached.size, [DECISION_HEADER]: decisionHeader(hit.d) });
  await sendCached(req, res, cached, out);
  ctx.onDecision?.(pypiRef(name, hit.f.version), hit.d, true);
  return 200;
}
