/**
 * The firewall's reloadable decision inputs: the policy file and the OSV feed. Both load whole, aside, and
 * replace the current ones in one assignment; a file that does not load is refused with its reason and the
 * old one kept. Requests in flight finish on whatever they started with; the next ones see the new inputs,
 * because `policy.version` (the key of every cached decision, see inputs.ts) changes with them.
 *
 * After a new feed loads, versions served within the ServedLog's window (in the store: by any replica, before
 * a restart too) that it newly lists as malicious are reported as retroactive hits, naming the clients that
 * fetched them: npm versions and PyPI releases alike, each looked up in its own ecosystem's records.
 */
import type { MaliciousFeed } from '../feeds/malicious.js';
import type { Mode } from '../policy/index.js';
import type { ConditionName, Decision, PackageFacts, PackageRef } from '../policy/types.js';
type Ecosystem = PackageRef['ecosystem'];
import { isSscsError } from '../errors.js';
import type { PolicySource } from './evaluator.js';
import { decisionInputsVersion } from './inputs.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import { policyFromFile, type FilePolicy } from './policy-source.js';
import type { ServedLog, ServedVersion } from './served-log.js';
import { ecosystemOfKey } from './operator.js';

/** Bound on remembered typosquat answers (one per package name seen). */
const MAX_REMEMBERED_NAMES = 50_000;

export interface RetroactiveHit extends ServedVersion {
  ids: string[];
}

/** The ecosystem and the name in it of a store key: `pkg:pypi/requests` is PyPI's requests, `left-pad` npm's. */
function packageOfKey(key: string): { ecosystem: Ecosystem; name: string } {
  const ecosystem = ecosystemOfKey(key);
  const prefix = `pkg:${ecosystem}/`;
  return { ecosystem, name: key.startsWith(prefix) ? key.slice(prefix.length) : key };
}

export type ReloadPart = { ok: true; version: string } | { ok: false; error: string };
export interface ReloadReport {
  policy?: ReloadPart;
  feed?: ReloadPart & { records?: number; vulnerabilityRecords?: number; retroactiveHits?: number };
}

export interface LiveOptions {
  policyPath: string;
  feedPath?: string;
  /** SCANNER_VERSION when tarballs are scanned: part of the decision inputs. */
  scanner?: string;
  log: Logger;
  /** Counts reloads by input and result (sscs_firewall_reloads_total). */
  metrics?: Metrics;
}

const describe = (e: unknown): string => (isSscsError(e) ? e.describe() : (e as Error).message);

async function loadFeed(path: string): Promise<MaliciousFeed> {
  return (await import('../feeds/malicious.js')).loadMaliciousFeed(path);
}

export class LiveInputs {
  #policy: FilePolicy;
  #feed: MaliciousFeed | undefined;
  #feedDigest: string | undefined;
  #version: string;
  #targets: ((name: string, ecosystem: Ecosystem) => string[]) | undefined;
  readonly #squats = new Map<string, string[]>();
  #chain: Promise<unknown> = Promise.resolve();
  /**
   * Told about each retroactive hit after a feed reload; answers whether this process reported it (false: another
   * replica claimed it first). Without one, hits are counted as found.
   */
  onRetroactive: ((hit: RetroactiveHit) => Promise<boolean>) | undefined;
  /** Who fetched which version (the store's, set once the store is open): where retroactive hits are looked for. */
  served: ServedLog | undefined;
  /**
   * The conditions the current policy tests, as one array updated in place on reload: the packument cache
   * holds this very array (PackumentCacheOptions.needs) and reads it on every fetch.
   */
  readonly needs: ConditionName[] = [];

  private constructor(private readonly o: LiveOptions, policy: FilePolicy, feed: MaliciousFeed | undefined) {
    this.#policy = policy;
    this.#feed = feed;
    this.#feedDigest = feed?.digest();
    this.#version = this.#computeVersion();
    this.needs.push(...policy.conditions);
    const self = this;
    this.policy = {
      get version(): string {
        return self.#version;
      },
      get fileVersion(): string {
        return self.#policy.version;
      },
      evaluate: (pkg: PackageRef, facts: PackageFacts, now: Date): Decision => self.#policy.evaluate(pkg, facts, now),
    };
  }

  static async load(o: LiveOptions): Promise<LiveInputs> {
    const policy = await policyFromFile(o.policyPath);
    const feed = o.feedPath ? await loadFeed(o.feedPath) : undefined;
    const live = new LiveInputs(o, policy, feed);
    await live.#prepareTyposquat(policy);
    return live;
  }

  get mode(): Mode {
    return this.#policy.mode;
  }

  get usesTyposquat(): boolean {
    return this.#policy.usesTyposquat;
  }

  /** The PolicySource the server and caches hold: it always answers with the current inputs. */
  readonly policy: PolicySource;

  /** Facts beyond the packument: the feed (malicious ids, vulnerabilities) and the typosquat check. */
  readonly enrich = (name: string, version: string, facts: PackageFacts, ecosystem: Ecosystem = 'npm'): PackageFacts => {
    const feed = this.#feed;
    // Each ecosystem's names are checked against its own popular names.
    const key = `${ecosystem}\0${name}`;
    let t = this.#squats.get(key);
    if (this.#targets && this.#policy.usesTyposquat && !t) {
      if (this.#squats.size >= MAX_REMEMBERED_NAMES) this.#squats.clear();
      this.#squats.set(key, (t = this.#targets(name, ecosystem)));
    }
    const vulns = feed?.vulnerabilities(ecosystem, name, version);
    return {
      ...facts,
      ...(t ? { typosquatOf: t } : {}),
      ...(feed ? { maliciousIds: feed.lookup(ecosystem, name, version) } : {}),
      ...(vulns ? { vulnerabilities: vulns } : {}),
    };
  };

  /** Reloads the policy and/or the feed, one reload at a time. */
  reload(what: { policy?: boolean; feed?: boolean } = { policy: true, feed: true }): Promise<ReloadReport> {
    const run = this.#chain.then(() => this.#reload(what));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #reload(what: { policy?: boolean; feed?: boolean }): Promise<ReloadReport> {
    const report: ReloadReport = {};
    if (what.policy) {
      try {
        const next = await policyFromFile(this.o.policyPath);
        // The typosquat index is ready before the policy that needs it takes over: never a moment without it.
        await this.#prepareTyposquat(next);
        this.#policy = next;
        // The version changes with the inputs, in the same turn: no request may see the new policy under the old key.
        this.#version = this.#computeVersion();
        this.needs.splice(0, this.needs.length, ...next.conditions);
        report.policy = { ok: true, version: next.version };
        this.#count('policy', 'reloaded');
        this.o.log({ event: 'policy-reloaded', file: this.o.policyPath, policyVersion: next.version, mode: next.mode });
      } catch (e) {
        report.policy = { ok: false, error: describe(e) };
        this.#count('policy', 'refused');
        this.o.log({ event: 'policy-reload-refused', file: this.o.policyPath, reason: describe(e), kept: this.#policy.version });
      }
    }
    if (what.feed && this.o.feedPath) {
      try {
        const next = await loadFeed(this.o.feedPath);
        const old = this.#feed;
        const digest = next.digest();
        const changed = digest !== this.#feedDigest;
        this.#feed = next;
        this.#feedDigest = digest;
        this.#version = this.#computeVersion();
        const hits = changed ? await this.#retroactive(old, next) : [];
        let reported = 0;
        for (const h of hits) if (!this.onRetroactive || (await this.onRetroactive(h))) reported++;
        this.#count('feed', changed ? 'reloaded' : 'unchanged');
        report.feed = { ok: true, version: digest.slice(0, 16), records: next.records, vulnerabilityRecords: next.vulnerabilityRecords, retroactiveHits: reported };
        this.o.log({
          event: changed ? 'feed-reloaded' : 'feed-unchanged', file: this.o.feedPath, records: next.records, vulnerabilityRecords: next.vulnerabilityRecords,
          retroactiveHits: reported, ...(hits.length > reported ? { reportedElsewhere: hits.length - reported } : {}),
        });
      } catch (e) {
        report.feed = { ok: false, error: describe(e) };
        this.#count('feed', 'refused');
        this.o.log({ event: 'feed-reload-refused', file: this.o.feedPath, reason: describe(e), keptRecords: this.#feed?.records ?? 0 });
      }
    }
    return report;
  }

  /**
   * Served versions the new feed lists as malicious and the old one did not. The served log unreadable (the
   * database away) is logged and yields no hits this time; the feed itself is still taken.
   */
  async #retroactive(old: MaliciousFeed | undefined, next: MaliciousFeed): Promise<RetroactiveHit[]> {
    const hits: RetroactiveHit[] = [];
    if (!this.served) return hits;
    try {
      for await (const v of this.served.versions()) {
        const pkg = packageOfKey(v.name);
        const ids = next.lookup(pkg.ecosystem, pkg.name, v.version);
        if (ids.length === 0) continue;
        const before = new Set(old?.lookup(pkg.ecosystem, pkg.name, v.version) ?? []);
        const fresh = ids.filter((id) => !before.has(id));
        if (!fresh.length || before.size !== 0) continue;
        const served: ServedVersion | undefined = await this.served.clients(v.name, v.version);
        if (served) hits.push({ ...served, ids: fresh });
      }
    } catch (e) {
      this.o.log({ event: 'retroactive-check-failed', reason: describe(e), found: hits.length });
    }
    return hits;
  }

  async #prepareTyposquat(policy: FilePolicy): Promise<void> {
    if (!policy.usesTyposquat || this.#targets) return;
    this.#targets = (await import('../feeds/typosquat.js')).typosquatTargets;
    // Build the index now (seconds) rather than on the first client's request.
    this.#targets('sscs-warm-up', 'npm');
  }

  #count(input: 'policy' | 'feed', result: 'reloaded' | 'unchanged' | 'refused'): void {
    this.o.metrics?.inc('sscs_firewall_reloads_total', 'Reloads of the policy file and the feed, by result (refused: the old one kept).', { input, result });
  }

  #computeVersion(): string {
    return decisionInputsVersion({ policyVersion: this.#policy.version, ...(this.o.scanner ? { scanner: this.o.scanner } : {}), ...(this.#feedDigest ? { feed: this.#feedDigest } : {}) });
  }
}
