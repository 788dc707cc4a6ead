// Fixed costs: what a CI job pays around the hashing. Whole cold processes, side by side in one run with
// `node -e 0` (Node's own start-up) and `openssl dgst -sha256` (a native process doing the same hashing):
//   - `sscs provenance` and `sscs verify`, each on one tiny input;
//   - 10,000 files of 1-17 KiB, and beside them a bare Node loop over the same files (the floor of any Node process);
//   - one 256 MiB file, end to end (process start-up included).
// sscs runs both as the job image runs it (helper/dist/sscs.mjs) and as the npm bin (helper/dist/cli.js).
//   npm run build && node bench/fixed-costs.mjs [--runs 11] [--small 10000] [--big-mib 256] [--baseline DIR]
// --baseline DIR[,DIR...] adds rows for the sscs.mjs of other built checkouts (e.g. an older commit), in the same run.
// Data is written once under bench/.data (not committed). The machine's load average is printed with the
// figures: on a shared machine, compare ratios from the same run, not absolute times across runs.
import { existsSync, mkdirSync, openSync, writeSync, closeSync, writeFileSync, readdirSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timeProcesses, printTable } from './lib.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '11' }, small: { type: 'string', default: '10000' }, 'big-mib': { type: 'string', default: '256' }, baseline: { type: 'string' } } });
const runs = Number(values.runs);
const smallCount = Number(values.small);
const bigMiB = Number(values['big-mib']);
const root = fileURLToPath(new URL('..', import.meta.url));
const data = join(root, 'bench', '.data', 'digest');
const BUNDLE = join(root, 'helper', 'dist', 'sscs.mjs');
const CLI = join(root, 'helper', 'dist', 'cli.js');
const node = process.execPath;
const BASELINES = (values.baseline ?? '').split(',').filter(Boolean).map((dir) => join(dir, 'helper', 'dist', 'sscs.mjs'));
/** The baselines' rows for a case, when some were asked for. */
const baseline = (name, args, extra = {}) =>
  BASELINES.map((b, i) => ({ name: `${name} (baseline${BASELINES.length > 1 ? ` ${i + 1}` : ''})`, cmd: node, args: [b, ...args], cwd: data, ...extra }));
mkdirSync(data, { recursive: true });

// Inputs: one tiny file, many small files, one big file (the same small files as bench/digest.mjs).
writeFileSync(join(data, 'tiny.txt'), 'hello\n');
const smallDir = `small-${smallCount}`;
if (!existsSync(join(data, smallDir)) || readdirSync(join(data, smallDir)).length !== smallCount) {
  mkdirSync(join(data, smallDir), { recursive: true });
  for (let i = 0; i < smallCount; i++) writeFileSync(join(data, smallDir, `f${i}.bin`), randomFillSync(Buffer.alloc(1024 + (i % 64) * 256)));
}
const smallFiles = readdirSync(join(data, smallDir)).sort().map((f) => `${smallDir}/${f}`);
const big = `big-${bigMiB}MiB.bin`;
if (!existsSync(join(data, big))) {
  const fd = openSync(join(data, big), 'w');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let i = 0; i < bigMiB / 16; i++) writeSync(fd, randomFillSync(chunk));
  closeSync(fd);
}

// The variables a GitLab job has (no ID token: the provenance records the environment), no secrets.
const jobEnv = {
  PATH: process.env.PATH,
  GITLAB_CI: 'true',
  CI: 'true',
  CI_SERVER_URL: 'https://gitlab.example',
  CI_SERVER_VERSION: '18.6.0-ee',
  CI_PROJECT_PATH: 'group/project',
  CI_PROJECT_URL: 'https://gitlab.example/group/project',
  CI_PROJECT_ID: '4242',
  CI_PROJECT_VISIBILITY: 'private',
  CI_PROJECT_NAMESPACE: 'group',
  CI_COMMIT_SHA: '3f786850e387550fdab836ed7e6dc881de23001b',
  CI_COMMIT_REF_NAME: 'main',
  CI_COMMIT_BRANCH: 'main',
  CI_CONFIG_PATH: '.gitlab-ci.yml',
  CI_PIPELINE_ID: '9001',
  CI_PIPELINE_URL: 'https://gitlab.example/group/project/-/pipelines/9001',
  CI_PIPELINE_SOURCE: 'push',
  CI_JOB_ID: '777',
  CI_JOB_URL: 'https://gitlab.example/group/project/-/jobs/777',
  CI_JOB_NAME: 'build',
  CI_JOB_STARTED_AT: '2026-11-29T10:00:00Z',
  CI_JOB_IMAGE: 'node:22',
  CI_RUNNER_ID: '12',
  CI_RUNNER_DESCRIPTION: 'shared-runner-1',
  CI_RUNNER_VERSION: '18.6.0',
  CI_RUNNER_REVISION: 'abc123de',
  CI_RUNNER_EXECUTABLE_ARCH: 'linux/amd64',
};
const out = join(data, 'provenance.intoto.jsonl');

// verify: the happy-path bundle of the sigstore-conformance suite, offline against its trusted root.
const fixtures = process.env.SSCS_FIXTURES ?? join(root, '..', 'shared', 'fixtures');
const cases = join(fixtures, 'sigstore-conformance', 'bundle-verify');
const verifyArgs = [
  'verify', join(cases, 'a.txt'),
  '--bundle', join(cases, 'happy-path-v0.3', 'bundle.sigstore.json'),
  '--trusted-root', join(fixtures, 'public-good', 'trusted_root.public-good.json'),
  '--certificate-identity', 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  '--certificate-oidc-issuer', 'https://token.actions.githubusercontent.com',
];

// The floor for any Node.js process on the small files: Node's start, one readdir, and per file what sscs does
// (open, reads to a read of 0 bytes, one crypto.hash, close), printed as sha256sum lines. No walk, no checks,
// no bundle: what remains between this row and sscs is sscs's own cost, and between this row and openssl, Node's.
const FLOOR = `const fs = require('node:fs'), { hash } = require('node:crypto'), dir = process.argv[1];
const buf = Buffer.allocUnsafe(1 << 20), out = [];
for (const name of fs.readdirSync(dir).sort()) {
  const fd = fs.openSync(dir + '/' + name, 'r');
  let n = 0;
  for (let k; (k = fs.readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += k;
  fs.closeSync(fd);
  out.push(hash('sha256', buf.subarray(0, n), 'hex') + '  ' + dir + '/' + name + '\\n');
}
process.stdout.write(out.join(''));`;

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`node ${process.version}, ${availableParallelism()} cores, ${runs} runs each (medians, interleaved), data in bench/.data/digest`);
console.log(`load average before: ${load()}`);

printTable('fixed cost: one tiny input', timeProcesses([
  { name: 'node -e 0', cmd: node, args: ['-e', '0'], cwd: data },
  { name: 'openssl dgst -sha256 tiny.txt', cmd: 'openssl', args: ['dgst', '-sha256', 'tiny.txt'], cwd: data },
  { name: 'sscs --version (sscs.mjs)', cmd: node, args: [BUNDLE, '--version'], cwd: data },
  { name: 'sscs provenance tiny.txt (sscs.mjs)', cmd: node, args: [BUNDLE, 'provenance', '--subject', 'tiny.txt', '-o', out], cwd: data, env: jobEnv },
  ...baseline('sscs provenance tiny.txt', ['provenance', '--subject', 'tiny.txt', '-o', out], { env: jobEnv }),
  { name: 'sscs provenance tiny.txt (cli.js)', cmd: node, args: [CLI, 'provenance', '--subject', 'tiny.txt', '-o', out], cwd: data, env: jobEnv },
  { name: 'sscs verify, one bundle (sscs.mjs)', cmd: node, args: [BUNDLE, ...verifyArgs], cwd: data },
  ...baseline('sscs verify, one bundle', verifyArgs),
  { name: 'sscs verify, one bundle (cli.js)', cmd: node, args: [CLI, ...verifyArgs], cwd: data },
], runs, { cpu: true }), 'node -e 0');

printTable(`${smallCount} files of 1-17 KiB`, timeProcesses([
  { name: 'openssl dgst -sha256 (one process)', cmd: 'openssl', args: ['dgst', '-sha256', ...smallFiles], cwd: data },
  { name: 'sha256sum (one process)', cmd: 'sha256sum', args: smallFiles, cwd: data },
  { name: 'node floor (readdir, open/read/hash/close)', cmd: node, args: ['-e', FLOOR, smallDir], cwd: data },
  { name: 'sscs digest (sscs.mjs)', cmd: node, args: [BUNDLE, 'digest', '--subject', smallDir], cwd: data },
  { name: 'sscs provenance (sscs.mjs)', cmd: node, args: [BUNDLE, 'provenance', '--subject', smallDir, '-o', out], cwd: data, env: jobEnv },
  { name: 'sscs digest (cli.js)', cmd: node, args: [CLI, 'digest', '--subject', smallDir], cwd: data },
  ...baseline('sscs digest', ['digest', '--subject', smallDir]),
  ...baseline('sscs provenance', ['provenance', '--subject', smallDir, '-o', out], { env: jobEnv }),
], runs, { cpu: true }), 'openssl dgst -sha256 (one process)');

printTable(`one ${bigMiB} MiB file, end to end (page cache warm)`, timeProcesses([
  { name: 'openssl dgst -sha256', cmd: 'openssl', args: ['dgst', '-sha256', big], cwd: data },
  { name: 'sha256sum', cmd: 'sha256sum', args: [big], cwd: data },
  { name: 'sscs digest (sscs.mjs)', cmd: node, args: [BUNDLE, 'digest', '--subject', big], cwd: data },
  { name: 'sscs provenance (sscs.mjs)', cmd: node, args: [BUNDLE, 'provenance', '--subject', big, '-o', out], cwd: data, env: jobEnv },
  ...baseline('sscs provenance', ['provenance', '--subject', big, '-o', out], { env: jobEnv }),
], runs, { cpu: true }), 'openssl dgst -sha256');
console.log(`\nload average after: ${load()}`);
