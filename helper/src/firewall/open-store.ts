/**
 * Which store the firewall and its CLI commands open: SQLite in the data folder (the default, one firewall
 * per file), or PostgreSQL when --database (or SSCS_FIREWALL_DATABASE) names one, shared by replicas.
 * The PostgreSQL driver is loaded only then.
 */
import { join } from 'node:path';
import type { Logger } from './log.js';
import type { PostgresTarget } from './postgres/connect.js';
import type { Synchronous } from './sqlite-store.js';
import type { Store } from './store.js';

export interface StoreSettings {
  dataDir: string;
  synchronous?: Synchronous;
  database?: PostgresTarget;
  log?: Logger;
  /** A serving replica LISTENs for other replicas' releases and waivers; a one-shot command does not. */
  listen?: boolean;
}

export async function openStore(s: StoreSettings): Promise<Store> {
  if (s.database) {
    const { openPostgresStore } = await import('./postgres/store.js');
    return openPostgresStore(s.database, { ...(s.log ? { log: s.log } : {}), listen: s.listen ?? true });
  }
  const { openSqliteStore } = await import('./sqlite-store.js');
  return openSqliteStore(join(s.dataDir, 'firewall.db'), s.synchronous ? { synchronous: s.synchronous } : {});
}
