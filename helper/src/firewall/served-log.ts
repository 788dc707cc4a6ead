/**
 * Which clients fetched which tarball, so that a version the threat feed lists only later can be traced to
 * the machines that installed it (a retroactive hit). Kept in memory, per process, and bounded:
 *  - at most MAX_VERSIONS versions (the least recently served go first) and MAX_CLIENTS clients each (the
 *    rest are counted, not named);
 *  - an entry older than RETENTION_MS since its last fetch is forgotten;
 *  - per client only what identifies a machine and an install, never a credential: the address, the
 *    User-Agent (npm/10.9.2 node/v22.22.0 linux x64 ..., cut to MAX_UA_CHARS) and npm's `npm-session`
 *    header (a random id per npm command, so one install's fetches can be grouped).
 */

export const MAX_VERSIONS = 50_000;
export const MAX_CLIENTS = 50;
export const RETENTION_MS = 30 * 24 * 60 * 60 * 1000;
const MAX_UA_CHARS = 200;
/** npm sends 16 hex digits; anything else is not kept. */
const NPM_SESSION = /^[0-9a-f]{8,32}$/i;

export interface ServedClient {
  address: string;
  userAgent?: string;
  npmSession?: string;
  firstAt: Date;
  lastAt: Date;
  fetches: number;
}

export interface ServedVersion {
  name: string;
  version: string;
  clients: ServedClient[];
  /** Clients past MAX_CLIENTS: counted, not named. */
  otherClients: number;
  lastAt: Date;
}

export interface ClientInfo {
  address: string;
  userAgent?: string | undefined;
  npmSession?: string | undefined;
}

/** Printable ASCII only, cut: a header is the client's to write. */
const clean = (s: string | undefined, max: number): string | undefined => {
  const v = s?.replace(/[^\x20-\x7e]/g, '').slice(0, max).trim();
  return v ? v : undefined;
};

export class ServedLog {
  readonly #entries = new Map<string, ServedVersion>();

  constructor(private readonly limits = { maxVersions: MAX_VERSIONS, maxClients: MAX_CLIENTS, retentionMs: RETENTION_MS }) {}

  record(name: string, version: string, client: ClientInfo, at = new Date()): void {
    const key = `${name}@${version}`;
    let e = this.#entries.get(key);
    if (e) this.#entries.delete(key); // re-inserted below: Map order is recency order
    else e = { name, version, clients: [], otherClients: 0, lastAt: at };
    e.lastAt = at;
    const userAgent = clean(client.userAgent, MAX_UA_CHARS);
    const session = client.npmSession && NPM_SESSION.test(client.npmSession) ? client.npmSession.toLowerCase() : undefined;
    const same = e.clients.find((c) => c.address === client.address && c.userAgent === userAgent && c.npmSession === session);
    if (same) {
      same.lastAt = at;
      same.fetches++;
    } else if (e.clients.length < this.limits.maxClients) {
      e.clients.push({ address: client.address, ...(userAgent ? { userAgent } : {}), ...(session ? { npmSession: session } : {}), firstAt: at, lastAt: at, fetches: 1 });
    } else {
      e.otherClients++;
    }
    this.#entries.set(key, e);
    while (this.#entries.size > this.limits.maxVersions) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Every version served within the retention window (forgets older ones on the way). */
  *versions(now = new Date()): Generator<ServedVersion> {
    for (const [key, e] of this.#entries) {
      if (now.getTime() - e.lastAt.getTime() > this.limits.retentionMs) this.#entries.delete(key);
      else yield e;
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
