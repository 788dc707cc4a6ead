// Digest throughput: `sscs digest` against openssl and sha256sum on the same data, in one run: one big
// file, and 64 files of 16 MiB where the worker pool pays off. (Many small files, and the fixed costs
// around them, are in bench/fixed-costs.mjs; `npm run bench` runs both.)
//   npm run build && node bench/digest.mjs [--runs 5] [--big-mib 1024]
// Data is written once under bench/.data (not committed).
import { existsSync, mkdirSync, openSync, writeSync, closeSync, writeFileSync, readdirSync } from 'node:fs';
import { randomFillSync } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { timeProcesses, printTable } from './lib.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, 'big-mib': { type: 'string', default: '1024' } } });
const runs = Number(values.runs);
const bigMiB = Number(values['big-mib']);
const data = fileURLToPath(new URL('./.data/digest/', import.meta.url));
const cli = fileURLToPath(new URL('../helper/dist/cli.js', import.meta.url));
mkdirSync(data, { recursive: true });

const big = `big-${bigMiB}MiB.bin`;
if (!existsSync(data + big)) {
  const fd = openSync(data + big, 'w');
  const chunk = Buffer.alloc(16 * 1024 * 1024);
  for (let i = 0; i < bigMiB / 16; i++) writeSync(fd, randomFillSync(chunk));
  closeSync(fd);
}
// Hashing-bound: 64 files of 16 MiB, where a worker per core pays off.
const mediumDir = 'medium-64x16MiB';
if (!existsSync(data + mediumDir) || readdirSync(data + mediumDir).length !== 64) {
  mkdirSync(data + mediumDir, { recursive: true });
  for (let i = 0; i < 64; i++) writeFileSync(`${data}${mediumDir}/m${i}.bin`, randomFillSync(Buffer.alloc(16 * 1024 * 1024)));
}
const mediumFiles = readdirSync(data + mediumDir).sort().map((f) => `${mediumDir}/${f}`);

console.log(`node ${process.version}, ${availableParallelism()} cores, ${runs} runs each (medians), data in bench/.data/digest`);
const node = process.execPath;
printTable(`one ${bigMiB} MiB file (page cache warm)`, timeProcesses([
  { name: 'openssl dgst -sha256', cmd: 'openssl', args: ['dgst', '-sha256', big], cwd: data },
  { name: 'sha256sum', cmd: 'sha256sum', args: [big], cwd: data },
  { name: 'sscs digest', cmd: node, args: [cli, 'digest', '--subject', big], cwd: data },
], runs), 'openssl dgst -sha256');

printTable('64 files of 16 MiB (1 GiB)', timeProcesses([
  { name: 'openssl dgst -sha256 (one process)', cmd: 'openssl', args: ['dgst', '-sha256', ...mediumFiles], cwd: data },
  { name: 'sha256sum (one process)', cmd: 'sha256sum', args: mediumFiles, cwd: data },
  { name: 'sscs digest (worker per core)', cmd: node, args: [cli, 'digest', '--subject', mediumDir], cwd: data },
], runs), 'openssl dgst -sha256 (one process)');

