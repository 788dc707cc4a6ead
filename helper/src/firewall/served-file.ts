/** A `served_files` row (SQLite or PostgreSQL, same columns) as a ServedFile. */
import type { Action } from '../policy/types.js';
import type { ServedFile } from './store.js';

export function servedFileOf(r: Record<string, unknown>, servedAtMs: number): ServedFile {
  let yanked: boolean | string = false;
  try {
    const y = JSON.parse(String(r.yanked)) as unknown;
    yanked = typeof y === 'string' || y === true ? y : false;
  } catch {
    // A row written by hand: read as not yanked, as the index's page would be without the field.
  }
  return {
    name: String(r.name), file: String(r.file), version: String(r.version), sha256: String(r.sha256), action: String(r.action) as Action,
    rule: String(r.rule), credential: String(r.credential), servedUnder: String(r.served_under),
    ...(r.requires_python != null ? { requiresPython: String(r.requires_python) } : {}), yanked, servedAt: new Date(servedAtMs),
  };
}
