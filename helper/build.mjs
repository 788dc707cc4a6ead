// Builds the helper twice: tsc into helper/dist (one file per module, for the npm package and tests), and
// esbuild into helper/dist/sscs.mjs, a single file with every runtime dependency inlined that a job image
// can carry with nothing but Node.js.
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
execFileSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
chmodSync(new URL('./dist/cli.js', import.meta.url), 0o755);

await build({
  entryPoints: [new URL('./src/cli.ts', import.meta.url).pathname],
  outfile: new URL('./dist/sscs.mjs', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'esm',
  minify: false,
  legalComments: 'linked',
  define: { __SSCS_VERSION__: JSON.stringify(pkg.version) },
  // Dev-only modules (the local Sigstore, test servers) never ship in the bundle.
  external: ['@sigstore/mock'],
  banner: {
    // CommonJS dependencies (sigstore) call require() for Node built-ins; ESM output needs one.
    js: "import { createRequire as __sscsCreateRequire } from 'node:module'; const require = __sscsCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(new URL('./dist/sscs.mjs', import.meta.url), 0o755);
