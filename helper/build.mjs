// Builds the helper twice: tsc into helper/dist (one file per module, for the npm package and tests), and
// esbuild into helper/dist/sscs.mjs, a single file with every runtime dependency inlined that a job image
// can carry with nothing but Node.js (see tools/bundle.mjs for how it stays fast to start).
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSingleFile } from './tools/bundle.mjs';
import { writeValidators } from './tools/validators.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// The schema validators are generated code (tools/validators.mjs) from the schemas in src: regenerate them
// first, so that a changed schema never runs with its old validator. test/schemas.test.ts checks the
// committed files.
await writeValidators(new URL('./src/schemas/', import.meta.url));

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
chmodSync(new URL('./dist/cli.js', import.meta.url), 0o755);

// Dev-only modules (the local Sigstore, test servers) never ship in the bundle.
const bundle = await buildSingleFile({ entry: new URL('./src/cli.ts', import.meta.url).pathname, version: pkg.version, external: ['@sigstore/mock'] });
writeFileSync(new URL('./dist/sscs.mjs', import.meta.url), bundle.code);
writeFileSync(new URL('./dist/sscs.mjs.LEGAL.txt', import.meta.url), bundle.legal);
chmodSync(new URL('./dist/sscs.mjs', import.meta.url), 0o755);
