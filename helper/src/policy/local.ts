import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { isSscsError } from '../errors.js';
import { loadMaliciousFeed } from '../feeds/malicious.js';
import { typosquatTargets } from '../feeds/typosquat.js';
import type { RegistryConfig } from '../registry/npmrc.js';
import { fetchTarball } from '../registry/tarball.js';
import { Limiter } from '../registry/limit.js';
import { scanPypiRelease } from './pypi-scan.js';
import type { LocalChecks } from './check.js';

/** Tarballs scanned at once: each is held in memory while scanned. */
const SCAN_CONCURRENCY = 4;

export interface LocalCheckOptions {
  cwd: string;
  maliciousFeed?: string;
  /** Download and scan tarballs from this registry configuration. */
  scanWith?: RegistryConfig;
  /** The Python index (simple API base URL) PyPI packages are downloaded from with --scan; default pypi.org. */
  pypiIndex?: string;
}

/** Builds the local checks the command asked for. The scanner loads only with --scan. */
export async function localChecks(opts: LocalCheckOptions): Promise<LocalChecks> {
  // Typosquat detection is local and cheap (an index over popular names), so it always runs.
  const checks: LocalChecks = { typosquatOf: typosquatTargets };
  if (opts.maliciousFeed) {
    const feed = await loadMaliciousFeed(resolve(opts.cwd, opts.maliciousFeed));
    checks.malicious = { source: opts.maliciousFeed, lookup: (e, n, v) => feed.lookup(e, n, v), vulnerabilities: (e, n, v) => feed.vulnerabilities(e, n, v) };
  }
  if (opts.scanWith) {
    const config = opts.scanWith;
    const { scanTarball } = await import('../scan/index.js');
    const limiter = new Limiter(SCAN_CONCURRENCY);
    checks.scan = (pkg) =>
      limiter.run(async () => {
        if (pkg.ecosystem === 'pypi') {
          try {
            return await scanPypiRelease(pkg, opts.pypiIndex);
          } catch (e) {
            if (!isSscsError(e)) throw e;
            return [{ rule: `scan-failed:${e.code}`, severity: 'high' as const, evidence: e.message }];
          }
        }
        if (pkg.ecosystem !== 'npm') return [{ rule: 'scan-incomplete', severity: 'medium' as const, evidence: `no scanner for ${pkg.ecosystem} packages yet` }];
        try {
          const report = await scanTarball(Readable.from(await fetchTarball(config, pkg)));
          const findings = report.findings.map((f) => ({ rule: f.rule, severity: f.severity, evidence: `${f.file}${f.line ? `:${f.line}` : ''}: ${f.evidence}` }));
          // Without an integrity in the lockfile (yarn berry records none), what was scanned may not be what
          // gets installed: say so, as a finding a policy can act on.
          if (!pkg.integrity) findings.push({ rule: 'unverified-download', severity: 'medium', evidence: 'the lockfile records no integrity for this package, so the scanned tarball was not checked against it' });
          return findings;
        } catch (e) {
          if (!isSscsError(e)) throw e;
          // A tarball that cannot be fetched, verified or read is itself suspicious: report it as a finding.
          return [{ rule: `scan-failed:${e.code}`, severity: 'high' as const, evidence: e.message }];
        }
      });
  }
  return checks;
}
