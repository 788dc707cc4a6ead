// Builds the helper twice: tsc into helper/dist (one file per module, for the npm package and tests), and
// esbuild into helper/dist/sscs.mjs, a single file with every runtime dependency inlined that a job image
// can carry with nothing but Node.js (see tools/bundle.mjs for how it stays fast to start).
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSingleFile } from './tools/bundle.mjs';
import { writeValidators } from './tools/validators.mjs';
import { createRequire } from 'node:module';

/**
 * The Python scanner loads two WebAssembly files (tree-sitter's runtime and its Python grammar) that
 * src/scan/python/grammar.ts reads from node_modules. The bundle has no node_modules beside it, so this plugin
 * swaps that module for one that holds both files inline; it sits behind a lazy import, in its own chunk,
 * loaded only when a Python file is parsed.
 */
function inlineGrammar() {
  const require = createRequire(import.meta.url);
  const b64 = (spec) => readFileSync(require.resolve(spec)).toString('base64');
  return {
    name: 'sscs-inline-python-grammar',
    setup(b) {
      b.onLoad({ filter: /[\\/]scan[\\/]python[\\/]grammar\.ts$/ }, () => ({
        loader: 'js',
        contents: `export async function grammarFiles() {
  return { runtime: Buffer.from(${JSON.stringify(b64('web-tree-sitter/web-tree-sitter.wasm'))}, 'base64'), python: Buffer.from(${JSON.stringify(b64('tree-sitter-python/tree-sitter-python.wasm'))}, 'base64') };
}`,
      }));
      // FIXME: web-tree-sitter declares `var require = createRequire(...)` inside its module factory, after an
      // `await import("module")`; as a CommonJS chunk that import becomes require("module"), which the hoisted,
      // still undefined local shadows ("require is not a function"). Renaming the local keeps both working.
      b.onLoad({ filter: /[\\/]web-tree-sitter[\\/]web-tree-sitter\.js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        const patched = source.replace(/\bvar require = createRequire\(/g, 'var __wtsRequire = createRequire(').replace(/\brequire\(("(?:fs|path|url)")\)/g, '__wtsRequire($1)');
        if (patched === source || /\brequire\("(?:fs|path|url)"\)/.test(patched)) throw new Error('web-tree-sitter changed: review the require rename in helper/build.mjs');
        return { loader: 'js', contents: patched };
      });
    },
  };
}

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
const bundle = await buildSingleFile({ entry: new URL('./src/cli.ts', import.meta.url).pathname, version: pkg.version, external: ['@sigstore/mock'], plugins: [inlineGrammar()] });
writeFileSync(new URL('./dist/sscs.mjs', import.meta.url), bundle.code);
writeFileSync(new URL('./dist/sscs.mjs.LEGAL.txt', import.meta.url), bundle.legal);
chmodSync(new URL('./dist/sscs.mjs', import.meta.url), 0o755);
