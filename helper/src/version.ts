import { readFileSync } from 'node:fs';

// Replaced at bundle time by esbuild's `define`; the tsc build reads package.json beside the dist folder.
declare const __SSCS_VERSION__: string | undefined;

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export const VERSION: string = typeof __SSCS_VERSION__ === 'string' ? __SSCS_VERSION__ : readPackageVersion();
