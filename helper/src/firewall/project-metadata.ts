/**
 * Whether a local Python project's dependencies can be read without running its code (review F5). pip builds a
 * local project (`pip install .`, `./proj` in a requirements file) and installs the `Requires-Dist` its build
 * backend writes: a PEP 621 `[project]` table's static lists are those, but dynamic dependencies, a setup.py, an
 * in-tree backend (`backend-path`) or a pyproject.toml without `[project]` give whatever the code writes, direct
 * references (`x @ https://...`) included, which pip fetches around the firewall. Those are refused unless pip is
 * told not to install the project's dependencies (`--no-deps`). Read instead: setuptools' `dynamic` lists taken from
 * files (`[tool.setuptools.dynamic] dependencies = { file = [...] }`, read as requirements files), and poetry-core's
 * `[tool.poetry]` dependency tables (a `git`, `url` or `path` dependency refused).
 */
import { UsageError } from '../errors.js';

const HINT = 'Declare the dependencies statically in pyproject.toml\'s [project] table (PEP 621), or install them from a requirements file and the project itself with pip install --no-deps.';
const POETRY_BACKEND = 'poetry.core.masonry.api';
const shortName = (s: string) => JSON.stringify(s.slice(0, 80));

function unreadable(what: string, shown: string): never {
  throw new UsageError('USAGE', `${what}: pip would install the dependencies the project's build code writes, which firewall run cannot read before it runs (a direct reference among them is fetched around the firewall)`, { where: { file: shown }, hint: HINT });
}

/** Files setuptools reads a dynamic list from (`{ file = "r.txt" }` or `{ file = [...] }`), or undefined. */
function setuptoolsFiles(spec: unknown): string[] | undefined {
  const file = typeof spec === 'object' && spec !== null ? (spec as Record<string, unknown>).file : undefined;
  const files = typeof file === 'string' ? [file] : file;
  return Array.isArray(files) && files.every((f) => typeof f === 'string') ? (files as string[]) : undefined;
}

/**
 * Throws UsageError (exit 2) when the project's dependencies are written by code. `doc`: its pyproject.toml, or
 * undefined when it has none; `hasSetupPy`; `noDeps`: pip installs no dependency of it. Returns the files setuptools
 * reads dynamic dependency lists from (relative to the project), to be checked as requirements files.
 */
export function dynamicDependencyFiles(doc: Record<string, unknown> | undefined, hasSetupPy: boolean, noDeps: boolean, shown: string): string[] {
  if (noDeps) return [];
  if (doc === undefined) return unreadable('the project has no pyproject.toml (its dependencies come from setup.py or setup.cfg)', shown);
  const build = (doc['build-system'] ?? {}) as Record<string, unknown>;
  if (build['backend-path'] !== undefined) unreadable('an in-tree build backend (backend-path)', shown);
  if (hasSetupPy) unreadable('the project has a setup.py beside it', shown);
  const project = doc.project as Record<string, unknown> | undefined;
  if (project === undefined) {
    if (build['build-backend'] === POETRY_BACKEND) return checkPoetry(doc, shown);
    return unreadable('no [project] table (its dependencies come from the build backend\'s own configuration)', shown);
  }
  const dynamic = Array.isArray(project.dynamic) ? (project.dynamic as unknown[]) : [];
  const files: string[] = [];
  const tool = ((doc.tool ?? {}) as Record<string, unknown>).setuptools as Record<string, unknown> | undefined;
  const setuptools = ((tool ?? {}).dynamic ?? {}) as Record<string, unknown>;
  if (dynamic.includes('dependencies')) {
    const f = setuptoolsFiles(setuptools.dependencies);
    if (!f) unreadable('dynamic dependencies', shown);
    files.push(...f);
  }
  if (dynamic.includes('optional-dependencies')) {
    const extras = setuptools['optional-dependencies'];
    if (typeof extras !== 'object' || extras === null) unreadable('dynamic optional-dependencies', shown);
    for (const spec of Object.values(extras as Record<string, unknown>)) {
      const f = setuptoolsFiles(spec);
      if (!f) unreadable('dynamic optional-dependencies', shown);
      files.push(...f);
    }
  }
  return files;
}

/** poetry-core's `[tool.poetry]` dependencies: a git, url or path dependency is written as a direct reference. */
function checkPoetry(doc: Record<string, unknown>, shown: string): string[] {
  const poetry = (((doc.tool ?? {}) as Record<string, unknown>).poetry ?? {}) as Record<string, unknown>;
  const groups = Object.values((poetry.group ?? {}) as Record<string, unknown>).map((g) => ((g ?? {}) as Record<string, unknown>).dependencies);
  for (const table of [poetry.dependencies, poetry['dev-dependencies'], ...groups]) {
    if (table === undefined) continue;
    if (typeof table !== 'object' || table === null) unreadable('a [tool.poetry] dependency table that is not a table', shown);
    for (const [name, spec] of Object.entries(table as Record<string, unknown>)) {
      for (const one of Array.isArray(spec) ? spec : [spec]) {
        if (typeof one === 'string') continue;
        if (typeof one !== 'object' || one === null) unreadable(`a [tool.poetry] dependency ${shortName(name)} that cannot be read`, shown);
        const around = ['git', 'url', 'path'].find((k) => k in (one as object));
        if (around) throw new UsageError('USAGE', `[tool.poetry] takes ${shortName(name)} from a ${around} source: pip would fetch or build it without the firewall's index`, { where: { file: shown }, hint: HINT });
      }
    }
  }
  return [];
}
