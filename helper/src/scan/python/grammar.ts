import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * The two WebAssembly files the Python parser needs: tree-sitter's runtime (web-tree-sitter) and its Python
 * grammar (tree-sitter-python). Here they are read from node_modules; the single-file bundle (helper/build.mjs,
 * tools/bundle.mjs) replaces this module with one that carries both files inline, so that sscs.mjs needs
 * nothing beside it.
 */
export async function grammarFiles(): Promise<{ runtime: Uint8Array; python: Uint8Array }> {
  const require = createRequire(import.meta.url);
  const [runtime, python] = await Promise.all([
    readFile(require.resolve('web-tree-sitter/web-tree-sitter.wasm')),
    readFile(require.resolve('tree-sitter-python/tree-sitter-python.wasm')),
  ]);
  return { runtime, python };
}
