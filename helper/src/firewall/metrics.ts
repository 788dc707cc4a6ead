/** Prometheus text exposition of the few figures operators watch: requests by decision, upstream latency, cache hits. */

/** Upstream latency buckets in seconds: local mirrors answer in ms, public registries in 100s of ms. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

const labelText = (labels: Record<string, string>): string => {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};

export class Metrics {
  readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
  readonly #buckets = new Array<number>(LATENCY_BUCKETS.length).fill(0);
  #latencySum = 0;
  #latencyCount = 0;

  inc(name: string, help: string, labels: Record<string, string> = {}, by = 1): void {
    let c = this.#counters.get(name);
    if (!c) this.#counters.set(name, (c = { help, values: new Map() }));
    const key = labelText(labels);
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }

  request(kind: string, decision: string, status: number): void {
    this.inc('sscs_firewall_requests_total', 'Requests served, by route kind, decision and HTTP status.', { kind, decision, status: String(status) });
  }

  cache(cache: 'packument' | 'tarball', result: 'hit' | 'miss' | 'revalidated' | 'stale'): void {
    this.inc('sscs_firewall_cache_total', 'Cache lookups by cache and result.', { cache, result });
  }

  upstreamLatency(seconds: number): void {
    this.#latencySum += seconds;
    this.#latencyCount++;
    LATENCY_BUCKETS.forEach((b, i) => {
      if (seconds <= b) this.#buckets[i]!++;
    });
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, c] of this.#counters) {
      lines.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      for (const [labels, v] of c.values) lines.push(`${name}${labels} ${v}`);
    }
    const h = 'sscs_firewall_upstream_latency_seconds';
    lines.push(`# HELP ${h} Time to the upstream's response headers.`, `# TYPE ${h} histogram`);
    LATENCY_BUCKETS.forEach((b, i) => lines.push(`${h}_bucket{le="${b}"} ${this.#buckets[i]}`));
    lines.push(`${h}_bucket{le="+Inf"} ${this.#latencyCount}`, `${h}_sum ${this.#latencySum}`, `${h}_count ${this.#latencyCount}`);
    return lines.join('\n') + '\n';
  }
}
