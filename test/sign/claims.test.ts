import { describe, expect, it } from 'vitest';
import { gitLabClaims } from '../../helper/src/localstack/claims.js';
import { gitLabIdentity, OID } from '../../helper/src/localstack/extensions.js';

describe('GitLab claims to Fulcio identity', () => {
  it('maps a tag pipeline to refs/tags and a self-hosted runner', () => {
    const claims = gitLabClaims('https://gitlab.example', { ref: 'v1.0.0', ref_type: 'tag', runner_environment: 'self-hosted', project_path: 'a/b/c' });
    const { subjectAltName, extensions } = gitLabIdentity(claims);
    const ext = Object.fromEntries(extensions.map((e) => [e.oid, e.value]));
    expect(subjectAltName).toBe('https://gitlab.example/a/b/c//.gitlab-ci.yml@refs/tags/v1.0.0');
    expect(ext[OID.sourceRepositoryRef]).toBe('refs/tags/v1.0.0');
    expect(ext[OID.sourceRepositoryOwnerUri]).toBe('https://gitlab.example/a/b');
    expect(ext[OID.runnerEnvironment]).toBe('self-hosted');
    expect(ext[OID.tokenSubject]).toBe('project_path:a/b/c:ref_type:tag:ref:v1.0.0');
  });

  it('writes the environment claim as DeploymentEnvironment (1.3.6.1.4.1.57264.1.23), as Fulcio does', () => {
    const claims = gitLabClaims('https://gitlab.example', { environment: 'sscs-provenance' });
    const ext = Object.fromEntries(gitLabIdentity(claims).extensions.map((e) => [e.oid, e.value]));
    expect(OID.deploymentEnvironment).toBe('1.3.6.1.4.1.57264.1.23');
    expect(ext['1.3.6.1.4.1.57264.1.23']).toBe('sscs-provenance');
    // GitLab sends environment_protected beside environment; the local issuer protects nothing.
    expect(claims.environment_protected).toBe('false');
  });

  it('writes no 1.23 for a job that declares no environment (Fulcio skips an empty value)', () => {
    for (const claims of [gitLabClaims('https://gitlab.example'), gitLabClaims('https://gitlab.example', { environment: '' })]) {
      expect(gitLabIdentity(claims).extensions.map((e) => e.oid)).not.toContain('1.3.6.1.4.1.57264.1.23');
    }
    expect(gitLabClaims('https://gitlab.example').environment_protected).toBeUndefined();
  });
});
