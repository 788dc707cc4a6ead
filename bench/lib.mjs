// Shared benchmark helpers: run commands interleaved in one process, so machine noise hits all alike.
import { spawnSync } from 'node:child_process';

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times whole processes: `cases` is [{ name, cmd, args, cwd }]; runs each `runs` times, round-robin. */
export function timeProcesses(cases, runs, { warmup = 1 } = {}) {
  const times = new Map(cases.map((c) => [c.name, []]));
  for (let i = 0; i < warmup + runs; i++) {
    for (const c of cases) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(c.cmd, c.args, { cwd: c.cwd, stdio: ['ignore', 'ignore', 'pipe'], env: c.env ?? process.env });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr}`);
      if (i >= warmup) times.get(c.name).push(ms);
    }
  }
  return cases.map((c) => ({ name: c.name, median: median(times.get(c.name)), runs: times.get(c.name) }));
}

export function printTable(title, rows, reference) {
  const ref = rows.find((r) => r.name === reference);
  console.log(`\n${title}`);
  console.log(`${'command'.padEnd(44)}${'median'.padStart(12)}${'vs ' + reference.slice(0, 18)}`.padEnd(80));
  for (const r of rows) {
    const ratio = ref ? (r.median / ref.median).toFixed(2) : '';
    console.log(`${r.name.padEnd(44)}${(r.median.toFixed(1) + ' ms').padStart(12)}   ${ratio}x`);
  }
}
