/**
 * The project folders whose configuration files the install's npm, pnpm and yarn read, so that `firewall run` reads
 * the same files (project-scopes.ts). A client started in the project reads the project's files; a client told to
 * work in another folder (`npm ci --prefix frontend`, `pnpm -C DIR`, `yarn --cwd DIR`) reads that folder's:
 * - npm: `${localPrefix}/.npmrc`, where localPrefix is the last `--prefix` on the command line (nopt: any leading
 *   dashes, the abbreviation `--prefi`, the shorthand `-C`, `=VALUE` or the next word; `~/` is the home folder),
 *   else the nearest folder up from the working folder with a package.json or node_modules, else the working
 *   folder; inside a workspace, the workspace root (@npmcli/config `loadLocalPrefix`). Workspace globs are not
 *   matched here: every folder above the nearest one whose package.json declares `workspaces` is read as well.
 * - pnpm: the same from `-C DIR`/`--dir DIR` (or the working folder), and the nearest folder up with a
 *   pnpm-workspace.yaml (the workspace root's .npmrc).
 * - yarn: from `--cwd DIR` (or the working folder), the .npmrc of every folder up to the root (yarn 1's
 *   getPossibleConfigLocations), and yarn berry's rc files from there up (project-scopes.ts yarnRcFiles).
 * A combined short option with `-C` (`-gC DIR`), which nopt may read as the folder, is refused (exit 2).
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { shellLine, shellWord } from '../io/shell-quote.js';
import { secretValues } from '../io/secrets.js';
import { printable } from '../io/printable.js';
import { JS_CLIENT } from './install-env.js';

/** Folders whose `.npmrc` is read, and folders yarn berry's rc files are looked up from. */
export interface ClientFolders {
  npmrc: string[];
  yarn: string[];
}

/** One command the install runs (install-command.ts Invocation). */
interface Command {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** The folder it runs in (`cd DIR && npm ci`), when not the working folder. */
  cwd?: string;
  /** It only runs the next command (a wrapper): its folder is that command's. */
  wraps?: true;
}

/** Option names (leading dashes dropped) that name the folder a client works in, per client. */
const FOLDER_OPTIONS: Record<string, (key: string) => boolean> = {
  npm: (k) => k === 'prefix' || k === 'prefi' || k === 'C',
  pnpm: (k) => k === 'C' || (k.length >= 2 && 'dir'.startsWith(k)) || k === 'prefix',
  yarn: (k) => k === 'cwd',
};
/** package.json `workspaces` are read from at most this many bytes of each package.json above the project. */
const MAX_PACKAGE_JSON = 1024 * 1024;

const exists = (path: string) => stat(path).then(() => true, () => false);

/**
 * The home folder npm, pnpm and yarn use in ENV: its HOME, else the account's from the password database, where
 * their os.homedir() looks when HOME is unset (`env -u HOME npm ci`); not this process's HOME.
 */
export function homeFolder(env: Readonly<Record<string, string | undefined>>): string {
  if (env.HOME) return env.HOME;
  try {
    return userInfo().homedir;
  } catch {
    return homedir();
  }
}

/** The client an argv runs (npm, pnpm or yarn, by program or as node's script) and the index of its word. */
function client(argv: readonly string[]): { name: 'npm' | 'pnpm' | 'yarn'; at: number } | undefined {
  const at = argv.findIndex((w) => JS_CLIENT.test(basename(w)));
  if (at < 0) return undefined;
  const m = JS_CLIENT.exec(basename(argv[at]!))![1]!;
  return { name: m === 'npx' ? 'npm' : m === 'pnpx' ? 'pnpm' : m === 'yarnpkg' ? 'yarn' : (m as 'npm' | 'pnpm' | 'yarn'), at };
}

/** The folders given on a client's command line as the one it works in (every one given: reading more fails closed). */
function folderOptions(name: 'npm' | 'pnpm' | 'yarn', words: readonly string[], cwd: string, home: string, shown: string): string[] {
  const out: string[] = [];
  const names = FOLDER_OPTIONS[name]!;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') break;
    if (!w.startsWith('-') || w === '-') continue;
    const body = w.replace(/^-+/, '');
    const eq = body.indexOf('=');
    const key = eq < 0 ? body : body.slice(0, eq);
    if (names(key)) {
      const value = eq < 0 ? words[++i] : body.slice(eq + 1);
      if (value && !/^-{2,}$/.test(value)) out.push(resolve(cwd, value.replace(/^~(?=[\\/])/, home)));
    } else if (name !== 'yarn' && /^[A-Za-z]+$/.test(key) && key.includes('C')) {
      throw new UsageError('USAGE', `sscs firewall run: \`${printable(shown)}\` combines -C with other short options in \`${printable(shellWord(w))}\`, which ${name} may read as the folder it works in (and the .npmrc it reads), and firewall run does not`, {
        hint: `Write the folder as ${name === 'npm' ? '--prefix' : '--dir'} DIR, on its own.`,
      });
    }
  }
  return out;
}

/** The folder npm started as ARGV works in: the last `--prefix` its command line gives, else CWD. */
export function npmFolder(argv: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>): string {
  const c = client(argv);
  if (c?.name !== 'npm') return cwd;
  return folderOptions('npm', argv.slice(c.at + 1), cwd, homeFolder(env), shellLine(argv, secretValues(env))).pop() ?? cwd;
}

/** The folders a command works in: CWD, and those its npm, pnpm or yarn command line names (`yarn --cwd sub`). */
export function commandFolders(argv: readonly string[], cwd: string, env: Readonly<Record<string, string | undefined>>): string[] {
  const c = client(argv.slice(0, /^node(?:js)?$/.test(basename(argv[0] ?? '')) ? 2 : 1));
  return c ? [cwd, ...folderOptions(c.name, argv.slice(c.at + 1), cwd, homeFolder(env), shellLine(argv, secretValues(env)))] : [cwd];
}

/** The nearest folder from DIR up that holds one of NAMES, or undefined. */
async function nearestUp(dir: string, names: string[]): Promise<string | undefined> {
  for (let d = dir, up = ''; d !== up; up = d, d = dirname(d)) {
    for (const n of names) if (await exists(join(d, n))) return d;
  }
  return undefined;
}

/** npm's localPrefix for a working folder, and the folders above it that may be its workspace root. */
async function npmProjectFolders(dir: string): Promise<string[]> {
  const local = (await nearestUp(dir, ['package.json', 'node_modules'])) ?? dir;
  const out = [local];
  for (let d = dirname(local), up = local; d !== up; up = d, d = dirname(d)) {
    const text = await readFile(join(d, 'package.json'), 'utf8').then((t) => (t.length <= MAX_PACKAGE_JSON ? t : '{}'), () => undefined);
    if (text === undefined) continue;
    try {
      if ((JSON.parse(text) as { workspaces?: unknown })?.workspaces) out.push(d);
    } catch {
      // npm moves on from a package.json it cannot read.
    }
  }
  return out;
}

const allUp = (dir: string): string[] => {
  const out: string[] = [];
  for (let d = dir, up = ''; d !== up; up = d, d = dirname(d)) out.push(d);
  return out;
};

/**
 * The folders whose client configuration the install reads: the working folder's (always), npm's local prefix and
 * workspace roots, and for each npm, pnpm or yarn command the folder its command line names, as described above.
 * Throws UsageError (exit 2) for a `-C` combined with other short options.
 */
export async function clientFolders(top: string, commands: readonly Command[]): Promise<ClientFolders> {
  const npmrc = new Set<string>([top, ...(await npmProjectFolders(top))]);
  const yarn = new Set<string>([top]);
  for (const { argv, env, cwd = top } of commands) {
    const c = client(argv);
    if (!c) continue;
    if (cwd !== top) {
      npmrc.add(cwd);
      for (const f of await npmProjectFolders(cwd)) npmrc.add(f);
    }
    const given = folderOptions(c.name, argv.slice(c.at + 1), cwd, homeFolder(env), shellLine(argv, secretValues(env)));
    if (c.name === 'npm') for (const d of given) npmrc.add(d);
    if (c.name === 'pnpm') {
      for (const d of given.length ? given : [cwd]) {
        npmrc.add(d);
        for (const f of await npmProjectFolders(d)) npmrc.add(f);
        const workspace = await nearestUp(d, ['pnpm-workspace.yaml']);
        if (workspace) npmrc.add(workspace);
      }
    }
    if (c.name === 'yarn') {
      for (const d of given.length ? given : [cwd]) {
        for (const f of allUp(d)) npmrc.add(f);
        yarn.add(d);
      }
    }
  }
  return { npmrc: [...npmrc], yarn: [...yarn] };
}

/**
 * The folders whose lockfiles the install uses, so that the versions checked before it runs are the ones it
 * installs: for npm the last `--prefix` (npm installs that folder's lockfile), else its local prefix and the folders
 * above it that may be its workspace root (npm installs a workspace from the root's lockfile); for pnpm each
 * `-C`/`--dir` folder (else the command's folder) and its workspace root (the nearest pnpm-workspace.yaml up, where
 * pnpm writes the lockfile); for yarn each `--cwd` folder (else the command's folder) and the nearest folder up
 * with a yarn.lock (a workspace's root); for any other command (pip, uv, a build tool) the folder it runs in. A
 * wrapper's folder is the command it runs. Throws UsageError (exit 2) for a `-C` combined with other short options.
 */
export async function lockFolders(top: string, commands: readonly Command[]): Promise<string[]> {
  const out = new Set<string>();
  for (const { argv, env, cwd = top, wraps } of commands) {
    if (wraps) continue;
    // The client itself, or as the script node runs: not a client's name among another program's words (`pip install npm`).
    const c = client(argv.slice(0, /^node(?:js)?$/.test(basename(argv[0] ?? '')) ? 2 : 1));
    if (!c) {
      out.add(cwd);
      continue;
    }
    const given = folderOptions(c.name, argv.slice(c.at + 1), cwd, homeFolder(env), shellLine(argv, secretValues(env)));
    if (c.name === 'npm') {
      const prefix = given.pop();
      for (const d of prefix !== undefined ? [prefix] : await npmProjectFolders(cwd)) out.add(d);
      continue;
    }
    for (const d of given.length ? given : [cwd]) {
      out.add(d);
      const root = await nearestUp(d, [c.name === 'pnpm' ? 'pnpm-workspace.yaml' : 'yarn.lock']);
      if (root) out.add(root);
    }
  }
  return out.size ? [...out] : [top];
}
