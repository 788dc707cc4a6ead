/**
 * `sh -c 'cd DIR && COMMAND'` (helper/src/firewall/change-folder.ts): COMMAND is read as running in DIR when DIR is
 * a plain relative folder inside the project; every other use of cd is refused (exit 2) with what was wrong. The
 * end-to-end runs with real npm are in run-folders.test.ts.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invocations } from '../../helper/src/firewall/install-command.js';

const governs = (name: string) => /^npm_config_registry$|^HOME$/i.test(name);
let outside: string;
let project: string;

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'sscs-cd-'));
  project = join(outside, 'project');
  await mkdir(join(project, 'web/app'), { recursive: true });
  await mkdir(join(outside, 'other'));
  await symlink(join(outside, 'other'), join(project, 'out'));
  await symlink(join(project, 'web/app'), join(project, 'app-link'));
});
afterAll(() => rm(outside, { recursive: true, force: true }));

const read = (script: string, env: Record<string, string> = {}) => invocations(['sh', '-c', script], env, governs, project).map((i) => ({ argv: i.argv, ...(i.cwd ? { cwd: i.cwd } : {}) }));
const refusal = (script: string, env: Record<string, string> = {}): string => {
  try {
    read(script, env);
    return 'read';
  } catch (e) {
    return `${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
};

describe('cd DIR && COMMAND: COMMAND runs in DIR', () => {
  it('reads the command after cd as running in the folder, in every spelling of a plain folder', () => {
    for (const dir of ['web', 'web/', './web', '"web"', "'web'", 'web//.']) {
      expect(read(`cd ${dir} && npm ci`), dir).toEqual([{ argv: ['npm', 'ci'], cwd: join(project, 'web') }]);
    }
    expect(read('cd web/app &&\n  npm --prefix x ci')).toEqual([{ argv: ['npm', '--prefix', 'x', 'ci'], cwd: join(project, 'web/app') }]);
  });

  it('follows a symbolic link inside the project to its real folder, and a nested shell\'s cd from there', () => {
    expect(read('cd app-link && npm ci')).toEqual([{ argv: ['npm', 'ci'], cwd: join(project, 'web/app') }]);
    expect(read('cd web && sh -c "cd app && pnpm install"')).toEqual([{ argv: ['pnpm', 'install'], cwd: join(project, 'web/app') }]);
  });

  it('a wrapper after cd runs in the folder too', () => {
    expect(read('cd web && timeout 600 npm ci')).toEqual([{ argv: ['timeout', '600', 'npm', 'ci'], cwd: join(project, 'web') }, { argv: ['npm', 'ci'], cwd: join(project, 'web') }]);
  });

  it('without a project folder nothing moves, and cd is refused', () => {
    expect(() => invocations(['sh', '-c', 'cd web && npm ci'], {}, governs)).toThrow(/no project folder is known/);
  });
});

describe('cd in any other form is refused (exit 2)', () => {
  const cases: [string, RegExp, Record<string, string>?][] = [
    ['cd ../outside && npm ci', /`cd \.\.\/outside` goes through '\.\.'/],
    ['cd web/../.. && npm ci', /goes through '\.\.'/],
    ['cd $X && npm ci', /cd takes its folder from a variable/, { X: 'web' }],
    ['cd "$X" && npm ci', /cd takes its folder from a variable/, { X: 'web' }],
    ['cd a; npm ci', /cd is joined to the next command by something other than '&&'/],
    ['cd web || npm ci', /joined to the next command by something other than '&&'/],
    ['cd web | npm ci', /joined to the next command by something other than '&&'/],
    ['cd web && npm ci && curl -fsS http://127.0.0.1:9/x', /cd is followed by 2 commands \(one install command may follow it\)/],
    ['npm ci && cd web', /cd comes after another command/],
    ['exec cd web && npm ci', /through exec or command/],
    ['cd web', /cd has no command after it/],
    ['cd && npm ci', /cd has no folder \(it would go to the home folder\)/],
    ['cd -P web && npm ci', /cd has 2 words \(give one folder, no option\)/],
    ['cd - && npm ci', /`cd -` is an option, not a folder/],
    ['cd /tmp && npm ci', /`cd \/tmp` names an absolute folder/],
    ['cd "" && npm ci', /`cd ''` names no folder/],
    ['cd out && npm ci', /is a symbolic link out of the project \(to /],
    ['cd missing && npm ci', /missing is not a folder/],
    ['cd web && npm ci', /runs with CDPATH set/, { CDPATH: '/elsewhere' }],
    ['X=1 cd web && npm ci', /cd has an assignment before it \(X=\.\.\.\)/],
  ];
  for (const [script, message, env] of cases) {
    it(script.replace(/\n/g, '\\n'), () => {
      const r = refusal(script, env);
      expect(r).toMatch(/^USAGE: sscs firewall run: /);
      expect(r).toMatch(message);
      expect(r).toContain("firewall run reads a change of folder only as the whole shell string 'cd DIR && COMMAND'");
    });
  }

  it('never shows the value of the variable cd would take its folder from', () => {
    expect(refusal('cd "$TOKEN" && npm ci', { TOKEN: 's3cr3t-value' })).not.toContain('s3cr3t-value');
  });
});
