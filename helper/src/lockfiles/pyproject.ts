import { dirname, join } from 'node:path';
import { pep503 } from '../ecosystems/pypi.js';
import { decodeUtf8, readFileIfExists } from '../io/files.js';
import type { Limits } from './limits.js';
import { isRecord } from './positions.js';
import { parseToml } from './toml-doc.js';

/** What a Python project declares itself, PEP 503-normalised: the roots of its lockfile's graph. */
export interface PythonManifest {
  file: string;
  name?: string;
  dependencies: string[];
  /** Extras (`[project.optional-dependencies]`, poetry's `optional = true`). */
  optional: string[];
  /** Dependency groups (PEP 735 `[dependency-groups]`, poetry's groups and dev-dependencies, Pipfile's dev-packages). */
  dev: string[];
}

const REQ_NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;

/**
 * The pyproject.toml beside a lockfile (PEP 621 `[project]`, PEP 735 `[dependency-groups]`, `[tool.poetry]`);
 * undefined when there is none. Only names are read: versions come from the lockfile.
 */
export async function readPyprojectBeside(lockfile: string, limits: Limits): Promise<PythonManifest | undefined> {
  const file = join(dirname(lockfile), 'pyproject.toml');
  const bytes = await readFileIfExists(file, limits.maxBytes, 'pyproject.toml');
  if (!bytes) return undefined;
  const { doc } = parseToml(decodeUtf8(bytes, file, 'pyproject.toml'), file, 'pyproject.toml');
  const project = isRecord(doc.project) ? doc.project : {};
  const poetry = isRecord(doc.tool) && isRecord(doc.tool.poetry) ? doc.tool.poetry : {};
  const m: PythonManifest = { file, dependencies: [], optional: [], dev: [] };
  const name = typeof project.name === 'string' ? project.name : typeof poetry.name === 'string' ? poetry.name : undefined;
  if (name) m.name = name;
  m.dependencies.push(...requirementNames(project.dependencies));
  if (isRecord(project['optional-dependencies'])) for (const list of Object.values(project['optional-dependencies'])) m.optional.push(...requirementNames(list));
  if (isRecord(doc['dependency-groups'])) for (const list of Object.values(doc['dependency-groups'])) m.dev.push(...requirementNames(list));
  if (isRecord(poetry.dependencies)) {
    for (const [dep, spec] of Object.entries(poetry.dependencies)) {
      if (dep === 'python') continue;
      (isRecord(spec) && spec.optional === true ? m.optional : m.dependencies).push(pep503(dep));
    }
  }
  if (isRecord(poetry['dev-dependencies'])) m.dev.push(...Object.keys(poetry['dev-dependencies']).map(pep503));
  if (isRecord(poetry.group)) {
    for (const g of Object.values(poetry.group)) if (isRecord(g) && isRecord(g.dependencies)) m.dev.push(...Object.keys(g.dependencies).map(pep503));
  }
  return m;
}

/** The Pipfile beside a Pipfile.lock: `[packages]` and `[dev-packages]`; undefined when there is none. */
export async function readPipfileBeside(lockfile: string, limits: Limits): Promise<PythonManifest | undefined> {
  const file = join(dirname(lockfile), 'Pipfile');
  const bytes = await readFileIfExists(file, limits.maxBytes, 'Pipfile');
  if (!bytes) return undefined;
  const { doc } = parseToml(decodeUtf8(bytes, file, 'Pipfile'), file, 'Pipfile');
  return {
    file,
    dependencies: isRecord(doc.packages) ? Object.keys(doc.packages).map(pep503) : [],
    optional: [],
    dev: isRecord(doc['dev-packages']) ? Object.keys(doc['dev-packages']).map(pep503) : [],
  };
}

/** PEP 508 strings -> normalised names; PEP 735 `{ include-group = ... }` entries name no package. */
function requirementNames(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((r) => {
    const m = typeof r === 'string' ? REQ_NAME.exec(r) : null;
    return m ? [pep503(m[1]!)] : [];
  });
}
