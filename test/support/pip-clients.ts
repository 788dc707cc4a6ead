/**
 * Real Python clients from Debian's packages: pip 23.0.1 in a venv made by /usr/bin/python3 -m venv, poetry
 * 1.3.2 and pipenv 2022.12.19. Each run has its own HOME, caches and config, and an environment that names
 * only the index it is given: no user or site config (PIP_CONFIG_FILE=/dev/null), no extra index, no keyring,
 * no version check, so nothing reaches pypi.org.
 */
import { execa } from 'execa';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const POETRY = '/usr/bin/poetry';
export const PIPENV = '/usr/bin/pipenv';

export interface PyRun {
  exitCode: number;
  output: string;
}

/** The environment of a Python client run: PATH, HOME and what pins pip to nothing but `indexUrl` (if any). */
export function pipEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${join(home, 'venv', 'bin')}:/usr/bin:/bin`,
    HOME: home,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_CACHE_DIR: join(home, 'pip-cache'),
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    LANG: 'C.UTF-8',
    ...extra,
  };
}

/** A fresh folder with a venv of `python` (default Debian's python3-venv: pip 23.0.1 from its wheel, offline). */
export async function venv(python = PYTHON): Promise<string> {
  const home = await mkdtemp(join(tmpdir(), 'sscs-py-'));
  await execa(python, ['-m', 'venv', join(home, 'venv')], { timeout: 120_000 });
  return home;
}

/**
 * A Python whose venvs get a pip that reads PEP 714's `core-metadata` from JSON pages (pip 23.2+; Debian's 23.0.1
 * reads only the HTML attribute, and pip always asks for JSON first): pyenv's interpreters bundle newer pips
 * (3.11.7: 23.2.1, 3.13: 24.2) in ensurepip, installed offline. Undefined when this machine has none.
 */
export function pep714Python(): string | undefined {
  const root = join(process.env.PYENV_ROOT ?? join(process.env.HOME ?? '/root', '.pyenv'), 'versions');
  if (!existsSync(root)) return undefined;
  for (const v of readdirSync(root).sort()) {
    const lib = join(root, v, 'lib');
    const py = existsSync(lib) ? readdirSync(lib).find((d) => /^python3\.\d+$/.test(d)) : undefined;
    const bundled = py && existsSync(join(lib, py, 'ensurepip', '_bundled')) ? readdirSync(join(lib, py, 'ensurepip', '_bundled')) : [];
    const pip = bundled.map((f) => /^pip-(\d+)\.(\d+)/.exec(f)).find(Boolean);
    const python = join(root, v, 'bin', 'python3');
    if (pip && (Number(pip[1]) > 23 || (Number(pip[1]) === 23 && Number(pip[2]) >= 2)) && existsSync(python)) return python;
  }
  return undefined;
}

export const pipOf = (home: string): string => join(home, 'venv', 'bin', 'pip');

/** `pip install ARGS` in the venv of `home`, with `indexUrl` as the only index. */
export async function pipInstall(home: string, indexUrl: string, args: string[], cwd = home): Promise<PyRun> {
  const r = await execa(pipOf(home), ['install', '--no-color', '--progress-bar', 'off', ...args], { cwd, env: pipEnv(home, { PIP_INDEX_URL: indexUrl }), extendEnv: false, reject: false, all: true, timeout: 180_000 });
  return { exitCode: r.exitCode ?? -1, output: String(r.all) };
}

/** What the venv of `home` has installed: name -> version (pip's own report). */
export async function pipFreeze(home: string): Promise<Record<string, string>> {
  const r = await execa(pipOf(home), ['list', '--format', 'json'], { env: pipEnv(home), extendEnv: false, timeout: 60_000 });
  return Object.fromEntries((JSON.parse(r.stdout) as { name: string; version: string }[]).map((p) => [p.name.toLowerCase(), p.version]));
}

export const havePythonClients = (): boolean => existsSync(PYTHON) && existsSync(POETRY) && existsSync(PIPENV);
