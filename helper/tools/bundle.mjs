// Builds helper/dist/sscs.mjs: the whole helper, every runtime dependency inlined, in one file that a job
// image (or a release asset) carries with nothing but Node.js, and that starts as fast as the command it
// runs allows.
//
// Why not one plain esbuild bundle: Node parses all of a module before running any of it, and the helper
// with its dependencies is 4 MB of JavaScript. Parsing that took ~85 ms of every command, and the eager
// imports of node:http, undici and the rest ~50 ms more (node --cpu-prof on `sscs provenance`), though a
// provenance job needs neither sigstore nor the firewall. So esbuild splits the helper into chunks, one set
// per command (its lazy `import()`s), each chunk is converted to a CommonJS function body, compressed and
// stored in a comment at the end of the file, which the parser skips almost for free; a small loader at the
// top reads, checks (SHA-256, recorded in the loader) and compiles only the chunks a command needs.
// `node helper/tools/unpack-bundle.mjs [dir]` writes the chunks out as plain files for review.
import { createHash } from 'node:crypto';
import { build, transform } from 'esbuild';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Marks where the chunk payload starts; the loader finds it in its own file. */
export const PAYLOAD_MARKER = '/*sscs-chunks\n';
/** The identifier that stands for `import.meta.url` inside chunks: the bundle file's own URL. */
const META_URL = '__sscs_import_meta_url';
/**
 * The identifier that stands for `__SSCS_BUNDLE_BYTES__` inside chunks (helper/src/version.ts): a function that
 * returns the bytes of this file as the loader read them, the bytes every chunk it ran was taken from.
 */
const BUNDLE_BYTES = '__sscs_bundle_bytes';

/**
 * @param {{ entry: string, version: string, external: string[], plugins?: import('esbuild').Plugin[] }} options
 * @returns {Promise<{ code: string, legal: string }>} the text of sscs.mjs and of its legal-comments file
 */
export async function buildSingleFile({ entry, version, external, plugins = [] }) {
  const result = await build({
    entryPoints: { cli: entry },
    outdir: '/virtual',
    write: false,
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    minify: false,
    chunkNames: '[name]-[hash]',
    legalComments: 'linked',
    define: { __SSCS_VERSION__: JSON.stringify(version), __SSCS_BUNDLE_BYTES__: BUNDLE_BYTES, 'import.meta.url': META_URL },
    external,
    plugins,
    logLevel: 'warning',
  });
  let legal = '';
  const chunks = [];
  for (const file of result.outputFiles) {
    const name = file.path.slice('/virtual/'.length);
    if (name.endsWith('.LEGAL.txt')) {
      legal += file.text;
      continue;
    }
    // Chunks import each other with ESM syntax; as CommonJS each is a function of (require, exports), and
    // a lazy `import()` becomes a require that runs when the command is chosen.
    const cjs = await transform(file.text.replace(/^#!.*\n/, ''), { format: 'cjs', target: 'node22', loader: 'js', supported: { 'dynamic-import': false }, logLevel: 'silent' }).catch((e) => {
      throw new Error(`bundle: chunk ${name} cannot run as CommonJS (a top-level await in a module of the helper?): ${e.message}`, { cause: e });
    });
    // A warning here means a chunk would behave differently as CommonJS (import.meta other than .url becomes
    // {}, for one): fail the build rather than ship that.
    if (cjs.warnings.length) throw new Error(`bundle: chunk ${name} does not convert cleanly: ${cjs.warnings.map((w) => w.text).join('; ')}`);
    const packed = deflateRawSync(Buffer.from(`'use strict';${cjs.code}`), { level: 9 }).toString('base64');
    chunks.push({ name, packed });
  }
  let offset = 0;
  const index = {};
  for (const c of chunks) {
    index[c.name] = [offset, c.packed.length, createHash('sha256').update(c.packed).digest('hex')];
    offset += c.packed.length;
  }
  const code = `#!/usr/bin/env node
// sscs ${version}: the helper in one file. The code is in the compressed chunks at the end of this file, which
// the loader below checks against these digests and runs on demand; helper/tools/bundle.mjs explains why, and
// helper/tools/unpack-bundle.mjs writes them out for review.
${loaderSource(index, 'cli.js')}
${PAYLOAD_MARKER}${chunks.map((c) => c.packed).join('')}*/
`;
  return { code, legal };
}

/**
 * Reads the chunks back out of a built sscs.mjs, each checked against the digest its loader records.
 * @param {Buffer} file
 * @returns {Record<string, string>} chunk name → JavaScript source (a CommonJS function body)
 */
export function unpackChunks(file) {
  const text = file.toString('latin1');
  const index = JSON.parse(/^const CHUNKS = (\{.*\});$/m.exec(text)?.[1] ?? 'null');
  const start = text.indexOf(PAYLOAD_MARKER);
  if (!index || start < 0) throw new Error('not a single-file sscs helper (no chunk index or payload)');
  const payload = file.subarray(start + Buffer.byteLength(PAYLOAD_MARKER));
  const out = {};
  for (const [name, [offset, length, sha256]] of Object.entries(index)) {
    const packed = payload.subarray(offset, offset + length);
    if (createHash('sha256').update(packed).digest('hex') !== sha256) throw new Error(`chunk ${name} does not match its digest`);
    out[name] = inflateRawSync(Buffer.from(packed.toString('latin1'), 'base64')).toString('utf8');
  }
  return out;
}

/** The loader: a plain ES module. `index` maps a chunk's name to [offset, length, sha256] in the payload. */
function loaderSource(index, entryName) {
  // Built-ins come through require(): an ES import of one builds its ESM facade, which reads every export,
  // lazy getters included (node:fs's ReadStream loads all of streams, node:crypto's webcrypto its module).
  return `import { createRequire as __sscsCreateRequire } from 'node:module';

const nodeRequire = __sscsCreateRequire(import.meta.url);
const { createHash: __sscsHash } = nodeRequire('node:crypto');
const { readFileSync: __sscsRead } = nodeRequire('node:fs');
const { fileURLToPath: __sscsPath } = nodeRequire('node:url');
const { compileFunction: __sscsCompile } = nodeRequire('node:vm');
const { inflateRawSync: __sscsInflate } = nodeRequire('node:zlib');
const CHUNKS = ${JSON.stringify(index)};
const selfPath = __sscsPath(import.meta.url);
const loaded = new Map();
let file;
let payload;

function loadChunk(name) {
  let mod = loaded.get(name);
  if (mod) return mod.exports;
  const [offset, length, sha256] = CHUNKS[name];
  if (payload === undefined) {
    file = __sscsRead(selfPath);
    const start = file.indexOf(${JSON.stringify(PAYLOAD_MARKER)});
    if (start < 0) throw new Error(\`\${selfPath}: the helper's code is missing from this file\`);
    payload = file.subarray(start + ${Buffer.byteLength(PAYLOAD_MARKER)});
  }
  const packed = payload.subarray(offset, offset + length);
  // The file is read a second time here: if it changed since Node loaded this loader, run nothing of it.
  if (__sscsHash('sha256').update(packed).digest('hex') !== sha256) throw new Error(\`\${selfPath}: chunk \${name} does not match its digest (was the file changed while in use?)\`);
  const source = __sscsInflate(Buffer.from(packed.toString('latin1'), 'base64')).toString('utf8');
  mod = { exports: {} };
  loaded.set(name, mod);
  const run = __sscsCompile(source, ['exports', 'require', 'module', ${JSON.stringify(META_URL)}, ${JSON.stringify(BUNDLE_BYTES)}], { filename: \`\${selfPath}#\${name}\` });
  run.call(undefined, mod.exports, chunkRequire, mod, import.meta.url, bundleBytes);
  return mod.exports;
}

// The file as read above: the chunks that run came from these bytes (sscs provenance records their digest).
function bundleBytes() {
  return file;
}

function chunkRequire(specifier) {
  const name = specifier.startsWith('./') ? specifier.slice(2) : undefined;
  return name !== undefined && Object.hasOwn(CHUNKS, name) ? loadChunk(name) : nodeRequire(specifier);
}

try {
  loadChunk(${JSON.stringify(entryName)});
} catch (e) {
  // Only the loader's own checks fail here (the CLI catches everything after): say so without a stack.
  process.stderr.write(\`sscs: internal error: \${e?.message ?? e}\\n\`);
  process.exitCode = 2;
}`;
}
