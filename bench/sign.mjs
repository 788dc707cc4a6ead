// Time of one `sscs attest` against the local Sigstore, each run a cold process (as in a CI job), side by side
// with references measured in the same run: `sscs --version` (process start-up alone) and `sscs attest --key`
// (signing without any service). Run after `npm run build`: node bench/sign.mjs [RUNS]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.argv[2] ?? 9);
const CLI = fileURLToPath(new URL('../helper/dist/cli.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../helper/dist/sscs.mjs', import.meta.url));
const MAIN = fileURLToPath(new URL('../helper/dist/localstack/main.js', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'sscs-bench-sign-'));
const stackDir = join(work, 'stack');

// The local Sigstore runs in its own process, as `npm run sigstore:local` does, so that its work is not
// counted in the bench process and its event loop is never blocked by ours.
const stackProcess = spawn(process.execPath, [MAIN, '--out', stackDir], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((resolve, reject) => {
  let out = '';
  stackProcess.stdout.on('data', (d) => {
    out += d;
    if (out.includes('ready')) resolve();
  });
  stackProcess.once('exit', () => reject(new Error('sigstore:local exited')));
});
const env = Object.fromEntries(readFileSync(join(stackDir, 'env'), 'utf8').trim().split('\n').map((l) => l.split('=', 2)));
const signingConfig = env.SSCS_SIGNING_CONFIG;
const mintToken = async () => (await fetch(`${env.SSCS_OIDC_ISSUER}/mint`, { method: 'POST', body: '{}' })).text();

const statement = JSON.stringify({
  _type: 'https://in-toto.io/Statement/v1',
  subject: [{ name: 'app.tar.gz', digest: { sha256: '2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae' } }],
  predicateType: 'https://slsa.dev/provenance/v1',
  predicate: {},
});
writeFileSync(join(work, 'statement.intoto.json'), statement);
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const run = promisify(execFile);
async function time(args, extraEnv) {
  const start = process.hrtime.bigint();
  await run(process.execPath, args, { cwd: work, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...extraEnv } });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const cases = {
  'sscs --version (start-up)': () => time([CLI, '--version'], {}),
  'sscs attest --key (no services)': () => time([CLI, 'attest', '--statement', 'statement.intoto.json', '--bundle', 'k.sigstore.json', '--key-env', 'K'], { K: pem }),
  'sscs attest keyless (Fulcio+Rekor+TSA)': async () =>
    time([CLI, 'attest', '--statement', 'statement.intoto.json', '--bundle', 'a.sigstore.json', '--signing-config', signingConfig], { SIGSTORE_ID_TOKEN: await mintToken() }),
  'sscs.mjs attest keyless (single file)': async () =>
    time([BUNDLE, 'attest', '--statement', 'statement.intoto.json', '--bundle', 'b.sigstore.json', '--signing-config', signingConfig], { SIGSTORE_ID_TOKEN: await mintToken() }),
};

const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
// Interleave the cases so that machine noise falls on all of them alike.
for (let i = 0; i < RUNS; i++) for (const [name, once] of Object.entries(cases)) samples[name].push(await once());
stackProcess.kill('SIGTERM');

const base = median(samples['sscs --version (start-up)']);
console.log(`node ${process.version}, ${RUNS} runs each, cold processes, local Sigstore on 127.0.0.1`);
for (const [name, xs] of Object.entries(samples)) {
  const m = median(xs);
  console.log(`${name.padEnd(42)} median ${m.toFixed(0).padStart(5)} ms   min ${Math.min(...xs).toFixed(0).padStart(5)} ms   x${(m / base).toFixed(2)} start-up`);
}
