/** Everything a request handler needs, built once by the server. */
import type { Logger, RequestLogLine } from './log.js';
import type { Metrics } from './metrics.js';
import type { PackumentCache } from './packument-cache.js';
import type { PypiPages } from './pypi-cache.js';
import type { PolicySource, WayOutOf } from './evaluator.js';
import type { Store } from './store.js';
import type { TarballCache } from './tarball-cache.js';
import type { Upstream } from './upstream.js';
import type { Readable } from 'node:stream';
import type { Decision, PackageFacts, PackageRef } from '../policy/types.js';
import type { ServedLog } from './served-log.js';
import type { FirewallEvent } from './events.js';
import type { ReloadReport } from './live.js';
import type { TrustedProxies } from './client-address.js';

/**
 * Scan-before-serve: findings over a tarball (its bytes, or a file the scanner reads in place), as the policy
 * engine's facts. `file` scans a Python wheel or sdist in place (the file must stay there until the promise
 * settles); without it, Python files cannot be scanned.
 */
export type Scanner = ((tarball: Readable | string) => Promise<NonNullable<PackageFacts['suspicious']>>) & {
  file?: (path: string, format: 'wheel' | 'sdist') => Promise<NonNullable<PackageFacts['suspicious']>>;
};

export interface HandlerContext {
  upstream: Upstream;
  packuments: PackumentCache;
  /** PyPI project pages; undefined when no PyPI index is configured. */
  pypi?: PypiPages;
  tarballs: TarballCache;
  store: Store;
  policy: PolicySource;
  metrics: Metrics;
  log: Logger;
  scanner?: Scanner;
  /** Serve a tarball whose allow decision and verified bytes are cached while the upstream is down. */
  serveCachedOffline: boolean;
  maxBodyBytes: number;
  /** Largest tarball fetched from the upstream (--max-tarball-mb). */
  maxTarballBytes: number;
  /** Facts the packument does not hold (known-malicious feed): offline re-decisions use them too. */
  enrich?: (name: string, version: string, facts: PackageFacts, ecosystem?: PackageRef['ecosystem']) => PackageFacts;
  /** Told about every tarball served and every request refused by policy, e.g. for `sscs firewall run`'s reports. */
  onDecision?: (pkg: PackageRef, decision: Decision, served: boolean) => void;
  /** Told about the versions a packument served to a client left out (`sscs firewall run` reports them). */
  onFiltered?: (name: string, filtered: [version: string, decision: Decision][], ecosystem?: PackageRef['ecosystem']) => void;
  /** The way out a 403 names; default: the CLI's waive and quarantine release (evaluator.ts wayOut), as `firewall serve` has them. */
  wayOut?: WayOutOf;
  /** The versions a project needs of a package, when known (its lockfile): named when none is allowed. */
  wanted?: (name: string) => readonly string[] | undefined;
  /** Admin API token; undefined disables the admin API. */
  adminToken?: string;
  /** Who fetched which tarball, for retroactive hits. */
  served?: ServedLog;
  /** Sends an event to the webhook, when one is configured; never waits. */
  alert?: (event: FirewallEvent) => void;
  /** Reloads the policy file and the feed (admin API); a part that does not load is refused and kept. */
  reload?: () => Promise<ReloadReport>;
  /** Where browsers reach the firewall (--public-url), when not at the request's own Host: the admin page's origin. */
  publicUrl?: string;
  /** Load balancers whose X-Forwarded-For names the client (--trusted-proxy); unset: the TCP peer is the client. */
  trustedProxies?: TrustedProxies;
}

/** What a handler reports about a request, for the log line, metrics and audit. */
export type Outcome = Partial<Pick<RequestLogLine, 'name' | 'version' | 'decision' | 'rule' | 'cache' | 'error'>>;
