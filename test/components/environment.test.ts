/**
 * The SLSA Build L3 boundary in the components: the provenance jobs run in a GitLab environment (its name reaches
 * the certificate as extension 1.3.6.1.4.1.57264.1.23), and the verify gate requires that environment by default.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentNames } from '../../helper/src/localstack/pipeline.js';
import { REPO_ROOT } from '../support/cli.js';
import { helperCalls, interpolate, listComponents, resolveInputs } from '../support/components.js';

const components = listComponents();
const SHA = '0123456789abcdef0123456789abcdef01234567';
const context = { name: 'x', sha: SHA, version: '1.2.3', reference: SHA };
const byName = (name: string) => components.find((c) => c.name === name)!;
const job = (name: string, given: Record<string, unknown>) => Object.values(interpolate(byName(name), resolveInputs(byName(name), given), context) as Record<string, Record<string, unknown>>)[0]!;

describe('provenance environment', () => {
  it.each([
    ['isolated-provenance', { build_job: 'build' }],
    ['image-provenance', { needs: ['build-image'] }],
  ])('%s runs in the provenance environment, sscs-provenance by default, without deploying', (name, required) => {
    expect(job(name, required).environment).toEqual({ name: 'sscs-provenance', action: 'prepare' });
    expect(job(name, { ...required, provenance_environment: 'attest' }).environment).toEqual({ name: 'attest', action: 'prepare' });
  });

  it('verify-gate requires the environment in the certificate by default', () => {
    const gate = job('verify-gate', { needs: ['build'] });
    expect((gate.script as string[]).join('\n')).toContain('sscs_deployment_environment="sscs-provenance"');
    expect((gate.script as string[]).join('\n')).toContain('${sscs_deployment_environment:+--deployment-environment "$sscs_deployment_environment"}');
    expect(helperCalls([byName('verify-gate')]).verify).toContain('--deployment-environment');
  });

  it('slsa-l3 forwards one provenance environment to the provenance job and to the gate', () => {
    const composite = interpolate(byName('slsa-l3'), resolveInputs(byName('slsa-l3'), { build_job: 'build', provenance_environment: 'attest' }), context) as { include: { component: string; inputs: Record<string, unknown> }[] };
    const inputsOf = (name: string) => composite.include.find((i) => i.component.includes(`/${name}@`))!.inputs;
    expect(inputsOf('isolated-provenance').provenance_environment).toBe('attest');
    expect(inputsOf('verify-gate').deployment_environment).toBe('attest');
    expect(byName('slsa-l3').header.spec.inputs?.provenance_environment?.default).toBe('sscs-provenance');
  });
});

// Local pipeline runs mint one ID token per environment a job may declare; the names are read from the YAML.
describe('environment names of a local pipeline run', () => {
  it('finds literal environments and those given through component inputs, and skips names built from variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscs-env-names-'));
    cpSync(join(REPO_ROOT, 'templates'), join(dir, 'templates'), { recursive: true });
    writeFileSync(join(dir, '.gitlab-ci.yml'), `include:
  - component: $CI_SERVER_FQDN/team/app/slsa-l3@$CI_COMMIT_SHA
    inputs:
      build_job: build
      provenance_environment: attest
deploy:
  script: [./deploy]
  environment: { name: production }
review:
  script: [./review]
  environment: review/$CI_COMMIT_REF_SLUG
`);
    try {
      expect(environmentNames(dir)).toEqual(['attest', 'production', 'sscs-provenance']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
