// Fetches, once, the latest tarballs of the most-used npm packages into bench/.data/corpus/ (gitignored), for
// the scanner's false-positive measurement and throughput bench. Already cached tarballs are not fetched again.
import { mkdir, readdir, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';

export const CORPUS_DIR = new URL('./.data/corpus/', import.meta.url).pathname;
const FETCH_TIMEOUT_MS = 60_000;
const CONCURRENCY = 8;

/**
 * Widely used packages that ship install scripts, native binaries or big minified bundles: the benign cases a
 * scanner is most likely to get wrong, added to the top-N by downloads.
 */
export const HARD_BENIGN = [
  'esbuild', '@esbuild/linux-x64', '@swc/core', '@swc/core-linux-x64-gnu', 'sharp', 'puppeteer', 'core-js', 'husky',
  'electron', 'bcrypt', 'sqlite3', 'nodemon', 'typescript', 'webpack', '@babel/core', 'lodash', 'moment', 'jquery',
  'three', 'protobufjs', 'node-gyp', 'fsevents', 'cypress', 'playwright', 'prisma', '@prisma/client', 'canvas',
  'node-pre-gyp', '@mapbox/node-pre-gyp', 'dotenv', 'aws-sdk', 'firebase', 'axios', 'socket.io', 'ws', 'rollup',
  '@rollup/rollup-linux-x64-gnu', 'vite', 'next', 'react-dom', 'npm', 'yarn', 'pnpm', 'node-fetch', 'got', 'request',
];

export async function topNames(n) {
  const { POPULAR_NPM_NAMES } = await import('../helper/dist/feeds/popular-npm.js');
  return [...new Set([...POPULAR_NPM_NAMES.slice(0, n), ...HARD_BENIGN])];
}

function fileName(name, version) {
  return `${name.replace(/^@/, '').replace(/\//g, '__')}-${version}.tgz`;
}

async function fetchOne(registry, name) {
  const meta = await fetch(`${registry}/${name.replace('/', '%2f')}/latest`, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!meta.ok) throw new Error(`${name}: metadata HTTP ${meta.status}`);
  const { version, dist } = await meta.json();
  const out = `${CORPUS_DIR}${fileName(name, version)}`;
  if (existsSync(out)) return out;
  const res = await fetch(dist.tarball, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`${name}: tarball HTTP ${res.status}`);
  await writeFile(`${out}.part`, Buffer.from(await res.arrayBuffer()));
  await rename(`${out}.part`, out);
  return out;
}

/** Makes sure the corpus holds the given packages; returns the tarball paths of the whole corpus. */
export async function ensureCorpus(names, registry = 'https://registry.npmjs.org') {
  await mkdir(CORPUS_DIR, { recursive: true });
  const have = new Set((await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.tgz')).map((f) => f.replace(/-\d[^-]*\.tgz$|-\d.*\.tgz$/, '')));
  const todo = names.filter((n) => !have.has(n.replace(/^@/, '').replace(/\//g, '__')));
  const queue = [...todo];
  const failures = [];
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let name = queue.shift(); name; name = queue.shift()) {
      try { await fetchOne(registry, name); } catch (e) { failures.push(`${name}: ${e.message}`); }
    }
  }));
  if (failures.length) console.error(`could not fetch ${failures.length}:\n  ${failures.join('\n  ')}`);
  return (await readdir(CORPUS_DIR)).filter((f) => f.endsWith('.tgz')).sort().map((f) => `${CORPUS_DIR}${f}`);
}
