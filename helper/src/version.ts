import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Replaced at bundle time by esbuild's `define`; the tsc build reads package.json beside the dist folder.
declare const __SSCS_VERSION__: string | undefined;
// In the bundle, the loader's function that returns the bytes it read (helper/tools/bundle.mjs); undeclared elsewhere.
declare const __SSCS_BUNDLE_BYTES__: (() => Buffer) | undefined;

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** True in the single-file bundle, whose own file is then the whole helper. */
export const IS_BUNDLE = typeof __SSCS_VERSION__ === 'string';
/** This module's file: in the bundle, the bundle itself. */
export const HELPER_PATH = fileURLToPath(import.meta.url);

export const VERSION: string = typeof __SSCS_VERSION__ === 'string' ? __SSCS_VERSION__ : readPackageVersion();

/**
 * The single-file bundle's own bytes, as its loader read them at start-up: every chunk of code that runs was taken
 * from these bytes and checked against its digest, so they are the helper that runs, read once. Undefined outside
 * the bundle.
 */
export function bundleBytes(): Buffer | undefined {
  return typeof __SSCS_BUNDLE_BYTES__ === 'function' ? __SSCS_BUNDLE_BYTES__() : undefined;
}
