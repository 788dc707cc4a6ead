/**
 * A command that may write files, run before a Python install or beside it in a pipeline, is refused (review F4):
 * the install's requirements and project files are checked before anything runs (install-order.ts).
 */
import { describe, expect, it } from 'vitest';
import { invocations } from '../../helper/src/firewall/install-command.js';
import { checkInstallOrder } from '../../helper/src/firewall/install-order.js';

const order = (command: string[]): string => {
  try {
    checkInstallOrder(invocations(command, { HOME: '/h' }, () => false), command.join(' '));
    return 'ok';
  } catch (e) {
    return (e as Error).message;
  }
};

describe('install order', () => {
  it('refuses a writer before the Python install, or beside it in a pipeline', () => {
    const cases: [string, RegExp][] = [
      ['cp alt.txt req.txt && pip install -r req.txt', /runs cp, which may write files before the Python install \(pip\)/],
      ['npm ci && python3 -m pip install -r r.txt', /runs npm, which may write files before/],
      ['echo "-i http://x/" > req.txt; pip install -r req.txt', /writes req\.txt before the Python install/],
      ['pip install -r req.txt | cp alt.txt req.txt', /runs cp, which may write files beside the Python install/],
      ['pip download --log req.txt x && pip install -r req.txt', /runs pip, which may write files before/],
      ['make deps && timeout 60 uv sync', /runs make, which may write files before the Python install \(uv\)/],
      ['sh gen.sh; pipenv install', /runs sh, which may write files before the Python install \(pipenv\)/],
    ];
    for (const [script, message] of cases) expect(order(['sh', '-c', script]), script).toMatch(message);
  });

  it('lets read-only commands run before it, and anything after it', () => {
    for (const script of ['pip --version && python3 --version && which pip && pip install -U pip && pip install -r requirements.txt', 'echo "installing" >/dev/null 2>&1; pip install -r r.txt > pip.log', 'pip install -r r.txt && python3 manage.py collectstatic && cp a b', 'npm ci && npm run build', 'timeout 60 pip install -r r.txt 2>&1', 'python3 -m venv .venv && .venv/bin/pip install -U pip && .venv/bin/python -m pip install -r requirements.txt']) {
      expect(order(['sh', '-c', script]), script).toBe('ok');
    }
    expect(order(['timeout', '60', 'pip', 'install', '-r', 'r.txt'])).toBe('ok');
    expect(order(['pip', 'install', '.'])).toBe('ok');
  });
});
