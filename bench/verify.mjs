// Benchmarks `sscs verify`: cold processes against a `node -e 0` baseline, and in-process verification
// throughput over a directory of real bundles (the passing sigstore-conformance cases, offline).
// Run after `npm run build`: node bench/verify.mjs [--runs N] [--rounds N]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, rounds: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);
const ROUNDS = Number(values.rounds);
const FIXTURES = process.env.SSCS_FIXTURES ?? join(root, '..', 'shared', 'fixtures');
const CASES = join(FIXTURES, 'sigstore-conformance', 'bundle-verify');
const PUBLIC_GOOD_ROOT = join(FIXTURES, 'public-good', 'trusted_root.public-good.json');
const IDENTITY = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const ISSUER = 'https://token.actions.githubusercontent.com';
const CLI = join(root, 'helper', 'dist', 'cli.js');

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function timeProcess(args) {
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  return median(times);
}

// Cold processes.
const verifyArgs = [CLI, 'verify', join(CASES, 'a.txt'), '--bundle', join(CASES, 'happy-path-v0.3', 'bundle.sigstore.json'), '--trusted-root', PUBLIC_GOOD_ROOT, '--certificate-identity', IDENTITY, '--certificate-oidc-issuer', ISSUER];
const baseline = timeProcess(['-e', '0']);
const version = timeProcess([CLI, '--version']);
const verify = timeProcess(verifyArgs);
const verifySingleFile = timeProcess([join(root, 'helper', 'dist', 'sscs.mjs'), ...verifyArgs.slice(1)]);
console.log(`cold processes, median of ${RUNS} runs`);
console.log(`  node -e 0                 ${baseline.toFixed(1).padStart(7)} ms   1.00x`);
console.log(`  sscs --version            ${version.toFixed(1).padStart(7)} ms   ${(version / baseline).toFixed(2)}x   (target < 100 ms)`);
console.log(`  sscs verify (happy path)  ${verify.toFixed(1).padStart(7)} ms   ${(verify / baseline).toFixed(2)}x   (target < 300 ms)`);
console.log(`  same, from sscs.mjs       ${verifySingleFile.toFixed(1).padStart(7)} ms   ${(verifySingleFile / baseline).toFixed(2)}x`);

// In process: the passing keyless conformance cases, each with its own trusted root.
const { verifyBundle } = await import(join(root, 'helper', 'dist', 'verify', 'verifier.js'));
const { makeTrust } = await import(join(root, 'helper', 'dist', 'verify', 'sigstore-checks.js'));
const { readTrustedRoot } = await import(join(root, 'helper', 'dist', 'verify', 'trusted-root.js'));
const { readBundleFile } = await import(join(root, 'helper', 'dist', 'verify', 'bundle.js'));
const trusts = new Map();
const jobs = [];
for (const name of readdirSync(CASES).sort()) {
  const dir = join(CASES, name);
  if (name.endsWith('_fail') || !existsSync(join(dir, 'bundle.sigstore.json')) || existsSync(join(dir, 'key.pub'))) continue;
  const rootPath = existsSync(join(dir, 'trusted_root.json')) ? join(dir, 'trusted_root.json') : PUBLIC_GOOD_ROOT;
  if (!trusts.has(rootPath)) trusts.set(rootPath, makeTrust(await readTrustedRoot(rootPath)));
  const artifact = existsSync(join(dir, 'artifact')) ? join(dir, 'artifact') : join(CASES, 'a.txt');
  const identity = existsSync(join(dir, 'identity')) ? readFileSync(join(dir, 'identity'), 'utf8').trim() : IDENTITY;
  jobs.push({ name, bundleFile: await readBundleFile(join(dir, 'bundle.sigstore.json')), artifacts: [{ kind: 'file', name: artifact, path: artifact }], trust: trusts.get(rootPath), policy: { certificateIdentity: { exact: identity }, certificateOidcIssuer: ISSUER } });
}
const rates = [];
for (let round = 0; round < ROUNDS; round++) {
  const t = process.hrtime.bigint();
  for (const job of jobs) {
    const report = await verifyBundle(job);
    if (!report.verified) throw new Error(`${job.name} did not verify`);
  }
  rates.push(jobs.length / (Number(process.hrtime.bigint() - t) / 1e9));
}
console.log(`in process, ${jobs.length} bundles x ${ROUNDS} rounds (median round)`);
console.log(`  verifyBundle              ${median(rates).toFixed(0).padStart(7)} bundles/s   ${(1000 / median(rates)).toFixed(2)} ms/bundle   (target > 50 bundles/s)`);
