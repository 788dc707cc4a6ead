import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
// @ts-expect-error: a plain ESM script, without type declarations.
import { renderComponentDocs, withGeneratedDocs } from '../../helper/tools/component-docs.mjs';
import { REPO_ROOT } from '../support/cli.js';

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe('component docs', () => {
  it('README.md holds the reference generated from the spec headers (run `npm run docs` when this fails)', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    expect(withGeneratedDocs(readme, renderComponentDocs())).toBe(readme);
  });

  it('documents every input of every component', () => {
    const docs = renderComponentDocs() as string;
    expect(docs).toContain('| `builder_id` | string | `https://sscs.dev/gitlab-ci/builder/isolated/v1` |');
    expect(docs).toContain('| `build_job` | string | *(required)* |');
  });
});

describe('pinning', () => {
  it('never refers to a floating `latest` image or version in templates, examples or the project pipeline', () => {
    const files = [...walk(join(REPO_ROOT, 'templates')), ...walk(join(REPO_ROOT, 'examples')), join(REPO_ROOT, '.gitlab-ci.yml'), join(REPO_ROOT, 'helper', 'Dockerfile')];
    const offenders = files.filter((f) => /(:|@|~)latest\b/.test(readFileSync(f, 'utf8'))).map((f) => relative(REPO_ROOT, f));
    expect(offenders).toEqual([]);
  });
});
