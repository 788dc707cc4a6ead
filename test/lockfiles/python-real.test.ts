import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { pythonFormatOf, pythonReference } from './python-reference.js';

/**
 * Real lockfiles of public projects, checked against the independent Python reader. They are not committed
 * (fetched code stays out of the repository): point SSCS_PY_LOCKFILES at a folder holding them, any layout, with
 * a pyproject.toml or Pipfile beside a poetry.lock or Pipfile.lock where the project has one, e.g.
 *   warehouse/requirements.txt (+ requirements/*.txt)  pypi/warehouse, pip-compile --generate-hashes with -r includes
 *   uv/uv.lock                    astral-sh/uv          pydantic/uv.lock    pydantic/pydantic
 *   poetry/poetry.lock            python-poetry/poetry  (+ pyproject.toml)
 *   pipenv/Pipfile.lock           pypa/pipenv           (+ Pipfile)
 *   pipenv-pylock/pylock.toml     pypa/pipenv           pydantic-pylock/pylock.toml  pydantic/pydantic (uv-written)
 */
const DIR = process.env.SSCS_PY_LOCKFILES;

async function lockfiles(dir: string): Promise<string[]> {
  const all = (await readdir(dir, { recursive: true })).map((f) => join(dir, f));
  // A requirements file included by another one is read through it (as warehouse's requirements/*.txt are).
  return all.filter((f) => pythonFormatOf(basename(f)) !== undefined && !(pythonFormatOf(basename(f)) === 'requirements' && basename(dirname(f)) === 'requirements')).sort();
}

describe.skipIf(!DIR)('Python lockfiles of public projects (SSCS_PY_LOCKFILES)', () => {
  it('each gives exactly the package set of the independent Python reader', async () => {
    const files = await lockfiles(DIR!);
    expect(files.length).toBeGreaterThan(0);
    const figures: string[] = [];
    for (const file of files) {
      const format = pythonFormatOf(basename(file))!;
      const expected = await pythonReference(format, file);
      const g = await readDependencyInputs([relative(dirname(file), file)], { cwd: dirname(file) });
      const got = [...new Set(g.packages.map((p) => JSON.stringify([p.name, p.version])))].map((s) => JSON.parse(s) as [string, string]).sort();
      expect(got, relative(DIR!, file)).toEqual(expected);
      figures.push(`${relative(DIR!, file)}: ${got.length} packages, ${expected.length} from the reference, ${got.filter((x, i) => JSON.stringify(x) === JSON.stringify(expected[i])).length} matching`);
    }
    console.log(`real Python lockfiles (${files.length} files):\n${figures.join('\n')}`);
  }, 120_000);
});

describe.skipIf(DIR)('Python lockfiles of public projects', () => {
  it.skip('skipped: SSCS_PY_LOCKFILES is not set (a folder of real uv.lock, poetry.lock, Pipfile.lock, pylock.toml and requirements files)', () => {});
});
