import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/files.js';
import type { PackumentMeta } from './packument.js';

/**
 * The shape of `meta` this code writes; an entry of another shape is a miss. 2: versions carry `publisher`
 * and `history` (registry/history.ts), which an entry written before would read as unknown for good.
 */
const CACHE_FORMAT = 2;

/** One cached packument: the reduced metadata plus what is needed to revalidate it. */
export interface CacheEntry {
  format?: number;
  url: string;
  etag?: string;
  /** When the registry last confirmed it (ms since epoch). */
  fetchedAt: number;
  meta: PackumentMeta;
}

/**
 * An on-disk cache of reduced packuments, one JSON file per registry URL (named by its SHA-256, so a
 * package name can never choose the path). Unreadable or corrupt entries count as misses.
 */
export class PackumentCache {
  constructor(readonly dir: string) {}

  private path(url: string): string {
    return join(this.dir, 'packuments', `${createHash('sha256').update(url).digest('hex')}.json`);
  }

  async get(url: string): Promise<CacheEntry | undefined> {
    try {
      // Synchronous on purpose: entries are small local files, and a warm check reads thousands of them;
      // readFileSync is about 3x faster than the thread-pool round trips of fs/promises here.
      const entry = JSON.parse(readFileSync(this.path(url), 'utf8')) as CacheEntry;
      return entry.format === CACHE_FORMAT && entry.url === url && entry.meta && typeof entry.fetchedAt === 'number' ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  async put(entry: CacheEntry): Promise<void> {
    await writeFileAtomic(this.path(entry.url), JSON.stringify({ ...entry, format: CACHE_FORMAT }));
  }
}
