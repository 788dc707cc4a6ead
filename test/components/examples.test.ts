import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from '../support/cli.js';
import { interpolate, listComponents, resolveInputs, YAML_OPTIONS } from '../support/components.js';
import { validateCi } from '../support/gitlab-schema.js';

const EXAMPLES = join(REPO_ROOT, 'examples');
const components = new Map(listComponents().map((c) => [c.name, c]));
const COMPONENT_REF = /^\$CI_SERVER_FQDN\/sscs\/components\/([A-Za-z0-9_-]+)@(\S+)$/;
const SHA = /^[0-9a-f]{40}$/;
const SEMVER = /^\d+\.\d+\.\d+$/;

interface Include { component?: string; local?: string; inputs?: Record<string, unknown> }

/** The CI files of an example: its .gitlab-ci.yml and every local file it includes. */
function ciFiles(example: string): { path: string; doc: { include?: Include[] } & Record<string, unknown> }[] {
  const out: { path: string; doc: { include?: Include[] } & Record<string, unknown> }[] = [];
  const visit = (rel: string) => {
    const doc = YAML.parse(readFileSync(join(EXAMPLES, example, rel), 'utf8'), YAML_OPTIONS);
    out.push({ path: rel, doc });
    for (const inc of doc.include ?? []) if (inc.local) visit(inc.local.replace(/^\//, ''));
  };
  visit('.gitlab-ci.yml');
  return out;
}

const examples = readdirSync(EXAMPLES).filter((n) => existsSync(join(EXAMPLES, n, '.gitlab-ci.yml')));

describe('examples', () => {
  it('cover the pipeline author, the platform team, a release and a container image', () => {
    expect(examples.sort()).toEqual(['container-image', 'node-build', 'platform-gate', 'python-deps', 'release']);
  });

  for (const example of examples) {
    describe(example, () => {
      it('has a README', () => {
        expect(readFileSync(join(EXAMPLES, example, 'README.md'), 'utf8')).toMatch(/^# /);
      });

      it('validates against the GitLab CI schema, with every component it includes interpolated with its inputs', () => {
        let included = 0;
        for (const { path, doc } of ciFiles(example)) {
          expect(validateCi(doc), path).toEqual([]);
          for (const inc of doc.include ?? []) {
            if (!inc.component) continue;
            const m = COMPONENT_REF.exec(inc.component);
            expect(m, inc.component).not.toBeNull();
            const [, name, ref] = m!;
            expect(ref, `${inc.component} is pinned by SHA or exact version`).toMatch(new RegExp(`${SHA.source}|${SEMVER.source}`));
            const component = components.get(name!);
            expect(component, name).toBeDefined();
            const jobs = interpolate(component!, resolveInputs(component!, inc.inputs ?? {}), { name: name!, sha: '0'.repeat(40), version: SEMVER.test(ref!) ? ref! : '' });
            expect(validateCi(jobs), `${path}: ${name}`).toEqual([]);
            included += 1;
          }
        }
        expect(included).toBeGreaterThan(0);
      });
    });
  }

  it('platform-gate pins one component by commit SHA and one by semantic version', () => {
    const refs = ciFiles('platform-gate').flatMap(({ doc }) => (doc.include ?? []).map((i) => i.component).filter(Boolean)) as string[];
    const pins = refs.map((r) => COMPONENT_REF.exec(r)![2]!);
    expect(pins.some((p) => SHA.test(p))).toBe(true);
    expect(pins.some((p) => SEMVER.test(p))).toBe(true);
  });
});
