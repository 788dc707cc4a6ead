import { describe, expect, it } from 'vitest';
import { validateProvenanceStatement } from '../../helper/src/provenance/validate.js';
import { SLSA_PROVENANCE_V1, STATEMENT_TYPE_V1 } from '../../helper/src/provenance/constants.js';

// The SLSA predicate refers to the in-toto ResourceDescriptor in three places; the generated validator checks
// it through one function (helper/tools/validators.mjs: inlineRefs off). Each place must still be checked,
// with the error naming the item.
const rd = { uri: 'git+https://gitlab.example/group/project@refs/heads/main', digest: { gitCommit: 'a'.repeat(40) } };
const statement = (predicate: { resolved?: unknown[]; builderDeps?: unknown[]; byproducts?: unknown[] }) => ({
  _type: STATEMENT_TYPE_V1,
  subject: [{ name: 'dist/app.tgz', digest: { sha256: 'b'.repeat(64) } }],
  predicateType: SLSA_PROVENANCE_V1,
  predicate: {
    buildDefinition: { buildType: 'https://example.com/build-type/v1', externalParameters: {}, resolvedDependencies: predicate.resolved ?? [rd] },
    runDetails: { builder: { id: 'https://example.com/builder', builderDependencies: predicate.builderDeps ?? [rd] }, byproducts: predicate.byproducts ?? [rd] },
  },
});

describe('resource descriptors in the SLSA predicate', () => {
  it('accepts valid descriptors in all three places', () => {
    expect(() => validateProvenanceStatement(statement({}))).not.toThrow();
  });

  it.each([
    ['resolved', '/buildDefinition/resolvedDependencies/1'],
    ['builderDeps', '/runDetails/builder/builderDependencies/1'],
    ['byproducts', '/runDetails/byproducts/1'],
  ] as const)('refuses a bad descriptor in %s, naming it', (where, path) => {
    const bad = [rd, { uri: '', extra: 1, digest: { sha256: 'XYZ' } }];
    let error: unknown;
    try {
      validateProvenanceStatement(statement({ [where]: bad }));
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'SCHEMA', where: { field: path } });
    const message = (error as Error).message;
    expect(message).toMatch(/^the SLSA provenance predicate does not match its schema:/);
    expect(message).toContain(`${path}: must NOT have additional properties 'extra'`);
    expect(message).toContain(`${path}/uri: must NOT have fewer than 1 characters`);
    expect(message).toContain(`${path}/digest/sha256: must match pattern "^[0-9a-f]+$"`);
  });

  it('refuses a descriptor with none of uri, digest and content', () => {
    expect(() => validateProvenanceStatement(statement({ byproducts: [{ name: 'log' }] }))).toThrow(/\/runDetails\/byproducts\/0: must have required property 'uri'/);
  });
});
