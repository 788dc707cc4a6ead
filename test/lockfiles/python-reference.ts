import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Debian's Python (3.11, with tomllib); the pyenv shim on PATH may be another version. */
export const REFERENCE_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const SCRIPT = fileURLToPath(new URL('./python/reference_reader.py', import.meta.url));

export type PythonFormat = 'requirements' | 'pylock' | 'uv' | 'poetry' | 'pipfile';

/** The (name, version) set the independent Python reader (python/reference_reader.py) finds in one file, sorted. */
export async function pythonReference(format: PythonFormat, file: string): Promise<[string, string][]> {
  const r = await execa(REFERENCE_PYTHON, [SCRIPT, format, file], { reject: false, timeout: 60_000 });
  if (r.exitCode !== 0) throw new Error(`reference reader failed on ${file}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as [string, string][]).sort();
}

/** The format of a Python lockfile by its name, as the real-lockfile test meets them. */
export function pythonFormatOf(name: string): PythonFormat | undefined {
  if (name === 'uv.lock') return 'uv';
  if (name === 'poetry.lock') return 'poetry';
  if (name === 'Pipfile.lock') return 'pipfile';
  if (/^pylock(\..+)?\.toml$/.test(name)) return 'pylock';
  if (/\.txt$/.test(name)) return 'requirements';
  return undefined;
}
