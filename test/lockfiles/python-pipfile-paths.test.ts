/**
 * Pipfile.lock `path` entries (pipenv writes `{"path": "./pkg", "editable": true}` for a local folder and
 * `{"path": "."}` for the project itself): pipenv builds and installs whatever the folder holds, so each is listed
 * as a `file` package named after its entry, as requirements.txt's folders are; the project itself is a warning.
 */
import { describe, expect, it } from 'vitest';
import { readDependencyInputs } from '../../helper/src/lockfiles/index.js';
import { fixture } from './support.js';

describe('Pipfile.lock: local folders', () => {
  it('lists path entries as file packages named after the entry, the project itself (path ".") as a warning', async () => {
    const graph = await readDependencyInputs(['pipenv-paths/Pipfile.lock'], { cwd: fixture('python') });
    const got = graph.packages.map((p) => [p.name, p.version, p.source, p.resolved ?? null, p.dev]).sort();
    expect(got).toEqual([
      ['devtool', '', 'file', './tools/devtool', true],
      ['shared-utils', '', 'file', './libs/shared_utils', false],
      ['six', '1.16.0', 'registry', null, false],
      ['vendored', '', 'file', '../vendored', false],
    ]);
    expect(graph.packages.some((p) => p.name === 'myapp')).toBe(false);
    expect(graph.warnings?.filter((w) => w.includes('default.myapp') && w.includes('project itself'))).toHaveLength(1);
  });
});
