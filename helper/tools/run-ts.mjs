#!/usr/bin/env node
// Runs a TypeScript script that uses the test support code (`node helper/tools/run-ts.mjs test/demo.ts`): the
// demo and the components benchmark. Builds the helper first when helper/dist is missing or older than its
// sources, and compiles the script with esbuild (a dev dependency), so that it needs nothing beyond `npm ci`.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../..', import.meta.url));
const script = process.argv[2];
if (!script) {
  process.stderr.write('usage: node helper/tools/run-ts.mjs SCRIPT.ts\n');
  process.exit(2);
}

if (spawnSync('rsync', ['--version'], { stdio: 'ignore' }).status !== 0) {
  process.stderr.write('gitlab-ci-local needs rsync; install it (e.g. apt-get install -y rsync) and run again.\n');
  process.exit(2);
}

const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs), 0);
const bundle = join(root, 'helper', 'dist', 'sscs.mjs');
if (!existsSync(bundle) || statSync(bundle).mtimeMs < newest(join(root, 'helper', 'src'))) {
  process.stdout.write('building the helper (npm run build)...\n');
  execFileSync(process.execPath, [join(root, 'helper', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}

// Inside node_modules, so that the compiled demo resolves the project's dependencies, and two levels below
// the root, as test/support/*.ts are (they find the project root from their own location).
const outDir = join(root, 'node_modules', '.sscs-scripts');
mkdirSync(outDir, { recursive: true });
const outfile = join(outDir, `${script.replace(/^.*\//, '').replace(/\.ts$/, '')}.mjs`);
await build({
  entryPoints: [join(root, script)],
  outfile,
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node22',
  format: 'esm',
  logLevel: 'warning',
});
await import(pathToFileURL(outfile).href);
