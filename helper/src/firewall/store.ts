/**
 * The firewall's state behind one narrow interface: decisions, the quarantine queue, releases, waivers and an
 * append-only audit log. SQLite implements it today (sqlite-store.ts); a PostgreSQL store for replicas only
 * has to honour the same methods. Decisions, releases and waivers are committed before the method returns,
 * so a response sent after it is backed by durable state.
 */
import type { Action } from '../policy/types.js';
import type { SessionStore } from './session-store.js';
import type { ServedStore } from './served-log.js';

export interface DecisionRecord {
  name: string;
  version: string;
  action: Action;
  rule: string;
  reason: string;
  until?: Date;
  /** The tarball's integrity, when the decision was made serving it: lets a cached tarball be served offline. */
  integrity?: string;
  /**
   * Who fetched the bytes: sha256 of the Authorization sent upstream (never the token), or ANONYMOUS. Offline,
   * the cached tarball goes only to a request with the same credential, as online responses are kept per credential.
   */
  credential?: string;
  policyVersion: string;
  decidedAt: Date;
  /**
   * The decision inputs version (policy, scan, scanner, feed) the bytes were last served under; set by the
   * store whenever `integrity` is recorded. `integrity` itself is kept across policies: it is the digest
   * remembered for an immutable version.
   */
  servedUnder?: string;
}

/**
 * A PyPI file the firewall served, with the decision it was served under: what lets a firewall restarted while the
 * index is down serve it again (pypi-offline.ts), and nothing it never decided. Bound to the bytes (`sha256`, the
 * file's immutable digest), the inputs (`servedUnder`, the policy version) and the credential, as npm's
 * DecisionRecord is. `version` is the PEP 440 normal form; `requiresPython` and `yanked` are the index's, for the
 * offline page.
 */
export interface ServedFile {
  name: string;
  file: string;
  version: string;
  sha256: string;
  action: Action;
  rule: string;
  credential: string;
  servedUnder: string;
  requiresPython?: string;
  yanked: boolean | string;
  servedAt: Date;
}

export interface QuarantineEntry {
  name: string;
  version: string;
  rule: string;
  reason: string;
  until?: Date;
  queuedAt: Date;
}

export interface Release {
  id: number;
  name: string;
  version: string;
  by: string;
  reason: string;
  at: Date;
}

export interface Waiver {
  id: number;
  name: string;
  version: string;
  by: string;
  reason: string;
  expiresAt?: Date;
  at: Date;
}

export interface AuditEntry {
  at: Date;
  /** Who asked: the client address (never a credential). */
  client: string;
  kind: 'packument' | 'tarball' | 'admin';
  name: string;
  version?: string;
  action: string;
  rule?: string;
  status: number;
  /** Identical requests this line stands for (aggregated within one write batch); absent means one. */
  count?: number;
  /** When the last of them came, when count > 1. */
  lastAt?: Date;
}

/** An audit row with its position in the log, for paging (AuditQuery.before). */
export type AuditRow = AuditEntry & { id: number };

/**
 * A search of the audit log, newest first, bounded twice: at most `limit` rows returned, and at most `scanRows`
 * rows examined (those with ids in [before - scanRows, before)), so that one search never scans the whole log.
 */
export interface AuditQuery {
  /** Matched, case-insensitively and literally (no wildcards), against name, version, action, rule and client. */
  text?: string;
  /** Only rows with a smaller id (AuditPage.next of the previous page); absent, from the newest row. */
  before?: number;
  limit: number;
  scanRows: number;
}

export interface AuditPage {
  rows: AuditRow[];
  /** `before` for the next page (older rows remain to be searched); absent when the log has nothing older. */
  next?: number;
}

/**
 * How often a rule refused: versions whose current decision by it is deny or quarantine, and the requests the
 * newest audit rows (RuleCounts' window) hold for it.
 */
export interface RuleCount {
  rule: string;
  action: string;
  versions: number;
  requests: number;
}

export type ScanFinding = NonNullable<import('../policy/types.js').PackageFacts['suspicious']>[number];

/** What operators and the scanner recorded about one package name, read at once to decide many of its versions. */
export interface PackageRecords {
  /** Waivers of the name in force at the time asked, newest first; each covers an exact version or a range. */
  waivers: Waiver[];
  /** Releases from quarantine of the name, newest first. */
  releases: Release[];
  /** Findings of today's scanner per version (--scan); a version it has not scanned is absent. */
  scans: Map<string, ScanFinding[]>;
}

/**
 * Every method that reads or writes the database returns a promise: SQLite answers at once, PostgreSQL over
 * the network. Two stay synchronous because they sit on the hot path of every cached request and never wait
 * on the database: `generation()` (SQLite reads one row; PostgreSQL keeps it current from LISTEN/NOTIFY) and
 * `audit()` (buffered, written in batches).
 */
export interface Store {
  /** Admin page sessions, shared by every replica on the database (session-store.ts). */
  readonly sessions: SessionStore;
  /** Who fetched which version, for retroactive hits; shared by replicas on one database (served-log.ts). */
  readonly served: ServedStore;
  /** Bumped by every release and waiver, from any process: cached filtered packuments key on it. */
  generation(): number;
  /**
   * Commits the records and returns them as stored. Where replicas share the database (PostgreSQL), a decision
   * another one recorded first for the same version under the same inputs (policy version and generation) stands
   * (first writer wins), with this record's integrity and credential added. SQLite (one firewall per file) stores
   * them as given.
   */
  recordDecisions(records: DecisionRecord[]): Promise<DecisionRecord[]>;
  decision(name: string, version: string): Promise<DecisionRecord | undefined>;
  /** Appends to the audit log; may buffer for a moment (see AUDIT_FLUSH_MS), flushed by auditLog and close. */
  audit(entry: AuditEntry): void;
  auditLog(limit: number): Promise<AuditEntry[]>;
  /**
   * Records `retentionMs` (the database keeps the longest ever recorded, at least one day), moves the retention
   * window's start to now minus it, removes the audit rows whose last occurrence is before that start and returns
   * how many; the database refuses to remove any newer row.
   */
  pruneAudit(retentionMs: number): Promise<number>;
  /** Quarantined versions not yet released, oldest first. */
  quarantine(): Promise<QuarantineEntry[]>;
  release(name: string, version: string): Promise<Release | undefined>;
  releaseFromQuarantine(name: string, version: string, by: string, reason: string): Promise<Release>;
  /**
   * Scanner findings of a version (--scan), kept so that packuments are filtered on them too; recording
   * findings that block bumps the generation, so cached packuments drop the version.
   */
  recordScan(name: string, version: string, findings: ScanFinding[], blocks: boolean): Promise<void>;
  scanFindings(name: string, version: string): Promise<ScanFinding[] | undefined>;
  /**
   * A PyPI file name is immutable on the index: the sha256 it was first served with is remembered (first writer
   * wins, also across replicas), and the remembered one is returned, which may not be `sha256`.
   */
  rememberFileDigest(name: string, file: string, sha256: string): Promise<string>;
  /** The remembered sha256 of each file of a project (documentKey), by file name. */
  fileDigests(name: string): Promise<Map<string, string>>;
  /** Records that a PyPI file was served under a decision, replacing what was recorded for that file before. */
  recordServedFile(f: ServedFile): Promise<void>;
  /** The served PyPI files of a project (documentKey), as recorded last. */
  servedFiles(name: string): Promise<ServedFile[]>;
  activeWaiver(name: string, version: string, now: Date): Promise<Waiver | undefined>;
  /** Waivers, releases and scan findings of a name in one read (a packument decides all its versions at once). */
  records(name: string, now: Date): Promise<PackageRecords>;
  addWaiver(w: { name: string; version: string; by: string; reason: string; expiresAt?: Date }): Promise<Waiver>;
  /** Waivers in force at `now` (not expired, not revoked), newest first, at most `limit`. */
  waivers(now: Date, limit: number): Promise<Waiver[]>;
  /**
   * Ends a waiver in force: its expiry becomes `now`, so it stops applying (the generation is bumped) while its
   * row stays for the record. Undefined when no waiver in force has that id.
   */
  revokeWaiver(id: number, now: Date): Promise<Waiver | undefined>;
  /** One page of the audit log matching a search (see AuditQuery). */
  searchAudit(q: AuditQuery): Promise<AuditPage>;
  /**
   * Counts per rule and action of versions denied or quarantined, and of requests within the newest
   * `recentAuditRows` audit rows; most requests first.
   */
  ruleCounts(recentAuditRows: number): Promise<RuleCount[]>;
  /**
   * Answers once the database does (a trivial query): readiness (/-/ready). Rejects with ServiceError
   * UNAVAILABLE when it cannot be reached.
   */
  ping(): Promise<void>;
  /** Flushes the audit buffer and closes the connection. */
  close(): Promise<void>;
}
