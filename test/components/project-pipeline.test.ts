import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from '../support/cli.js';
import { interpolate, listComponents, resolveInputs, YAML_OPTIONS } from '../support/components.js';
import { validateCi } from '../support/gitlab-schema.js';

const SELF_INCLUDE = /^\$CI_SERVER_FQDN\/\$CI_PROJECT_PATH\/([A-Za-z0-9_-]+)@\$CI_COMMIT_SHA$/;
const doc = YAML.parse(readFileSync(join(REPO_ROOT, '.gitlab-ci.yml'), 'utf8'), YAML_OPTIONS) as { include: { component: string; inputs?: Record<string, unknown> }[] } & Record<string, unknown>;
const components = new Map(listComponents().map((c) => [c.name, c]));

describe("the project's own pipeline", () => {
  it('validates against the GitLab CI schema', () => {
    expect(validateCi(doc)).toEqual([]);
  });

  it('tests every component by including it at $CI_COMMIT_SHA, with inputs that interpolate into valid jobs', () => {
    const included = new Set<string>();
    for (const inc of doc.include) {
      const m = SELF_INCLUDE.exec(inc.component);
      expect(m, inc.component).not.toBeNull();
      const c = components.get(m![1]!)!;
      expect(c, m![1]).toBeDefined();
      const jobs = interpolate(c, resolveInputs(c, inc.inputs ?? {}), { name: c.name, sha: '0'.repeat(40), version: '' });
      expect(validateCi(jobs), c.name).toEqual([]);
      included.add(c.name);
    }
    expect([...included].sort()).toEqual([...components.keys()].sort());
  });

  it('defines a job with a Sigstore ID token for every hidden component job it includes', () => {
    const hidden = doc.include.flatMap((inc) => Object.entries(inc.inputs ?? {}).filter(([k, v]) => /^(.+_)?as$/.test(k) && typeof v === 'string' && v.startsWith('.')).map(([, v]) => v as string));
    expect(hidden.length).toBeGreaterThan(0);
    for (const as of hidden) {
      const job = Object.entries(doc).find(([, v]) => (v as { extends?: string })?.extends === as);
      expect(job, `a job extending ${as}`).toBeDefined();
      expect((job![1] as { id_tokens?: unknown }).id_tokens).toEqual({ SIGSTORE_ID_TOKEN: { aud: 'sigstore' } });
    }
  });
});
