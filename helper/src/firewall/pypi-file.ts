/**
 * One file of a PyPI project page and the policy's decision on it, as the file route and its core metadata route
 * (PEP 658) both need them: a file the page does not list is a 404, and one the policy does not serve is the 403
 * naming its rule, so that a denied file's metadata is refused exactly as the file is.
 */
import type { ServerResponse } from 'node:http';
import type { Decision, PackageRef } from '../policy/types.js';
import type { SimpleFile } from '../registry/pypi-simple.js';
import type { HandlerContext, Outcome } from './context.js';
import { serves } from './evaluator.js';
import { pypiRef, type PypiEntry } from './pypi-cache.js';
import { sendBlocked, sendError } from './respond.js';

export interface PypiFileDecision {
  file: SimpleFile;
  pkg: PackageRef;
  decision: Decision;
}

/**
 * The listed file `filename` of project `name` with the decision to serve it, recorded in `out`; or, when the
 * request is already answered (404 not listed, 403 refused and told to onDecision), that status.
 */
export function decidePypiFile(ctx: HandlerContext, res: ServerResponse, entry: PypiEntry, name: string, filename: string, out: Outcome): PypiFileDecision | number {
  const file = entry.files.get(filename);
  if (!file) {
    sendError(res, 404, `sscs firewall: the upstream index lists no file ${filename} for ${name}`);
    return 404;
  }
  const pkg = pypiRef(name, file.version);
  out.version = pkg.version;
  const decision = entry.decisions.get(filename)!;
  out.decision = decision.action;
  out.rule = decision.rule;
  if (!serves(decision)) {
    ctx.onDecision?.(pkg, decision, false);
    sendBlocked(ctx, res, pkg, decision);
    return 403;
  }
  return { file, pkg, decision };
}
