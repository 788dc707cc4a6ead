import { writeOutputFile } from '../io/files.js';

/**
 * Where the bundles of several statements go: OUT.sigstore.json becomes OUT.1.sigstore.json, OUT.2.sigstore.json...
 * (CONTRACT.md). A single statement writes OUT itself.
 */
export function bundlePaths(out: string, count: number): string[] {
  if (count === 1) return [out];
  const m = /^(.*?)(\.sigstore\.json|\.json)?$/.exec(out)!;
  const base = m[1]!;
  const ext = m[2] ?? '';
  return Array.from({ length: count }, (_, i) => `${base}.${i + 1}${ext}`);
}

export async function writeBundle(path: string, bundleJson: unknown, env: NodeJS.ProcessEnv): Promise<void> {
  await writeOutputFile(path, `${JSON.stringify(bundleJson)}\n`, env, 'the bundle');
}
