import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy, parsePolicy } from '../../helper/src/policy/index.js';
import { InputError } from '../../helper/src/errors.js';
import { runCli } from '../support/cli.js';

function failure(text: string): InputError {
  try {
    parsePolicy(text, 'policy.yml');
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected the policy to be rejected');
}

describe('policy file loading', () => {
  it('reads a valid YAML policy with the editor schema hint', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscs-policy-'));
    const file = join(dir, 'policy.yml');
    writeFileSync(
      file,
      [
        '# yaml-language-server: $schema=https://sscs.dev/schemas/policy.schema.json',
        'version: 1',
        'mode: warn',
        'rules:',
        '  - id: no-young',
        '    when: { published_within: 3d }',
        '    action: quarantine',
        'waivers:',
        '  - package: pkg:npm/@corp/*',
        '    reason: ours',
        '    owner: team',
        '    expires: 2026-12-31',
        '',
      ].join('\n'),
    );
    const policy = await loadPolicy(file);
    expect(policy).toEqual({
      version: 1,
      mode: 'warn',
      rules: [{ id: 'no-young', when: { published_within: '3d' }, action: 'quarantine' }],
      waivers: [{ package: 'pkg:npm/@corp/*', reason: 'ours', owner: 'team', expires: '2026-12-31' }],
    });
  });

  it.each([
    ['an unknown field, at its key', 'version: 1\nrules:\n  - action: deny\n    actoin: deny\n', { line: 4, column: 5, field: 'rules[0].actoin' }, 'is not a known field'],
    ['a bad action', 'version: 1\nrules:\n  - action: block\n', { line: 3, column: 13, field: 'rules[0].action' }, 'must be one of allow, deny, quarantine, warn'],
    ['a bad duration', 'version: 1\nrules:\n  - action: deny\n    when:\n      published_within: 2 days\n', { line: 5, column: 25, field: 'rules[0].when.published_within' }, "must be a duration: 30m, 48h, 7d, 2w, not '2 days'"],
    ['a waiver without an owner', 'version: 1\nwaivers:\n  - package: x\n    reason: r\n    expires: 2026-01-01\n', { line: 3, column: 5, field: 'waivers[0]' }, "needs field 'owner'"],
    ['a bad semver range in a purl', 'version: 1\nrules:\n  - action: deny\n    match: pkg:npm/lodash@not-a-range\n', { line: 4, column: 12, field: 'rules[0].match' }, "'not-a-range' is not a semver range"],
    ['a waiver naming a rule that does not exist', 'version: 1\nrules:\n  - id: a\n    action: deny\nwaivers:\n  - package: x\n    reason: r\n    owner: o\n    expires: 2026-01-01\n    rules: [a, b]\n', { line: 10, column: 16, field: 'waivers[0].rules[1]' }, "names no rule: 'b'"],
    ['a duplicate rule id', 'version: 1\nrules:\n  - id: a\n    action: deny\n  - id: a\n    action: allow\n', { line: 5, column: 9, field: 'rules[1].id' }, "id 'a' is used twice"],
    ['the wrong version', 'version: 2\n', { line: 1, column: 10, field: 'version' }, 'must be 1, not 2'],
    // A condition of the wrong type says what the condition takes, with the value it was given.
    ['vulnerable: true', 'version: 1\nrules:\n  - action: deny\n    when:\n      vulnerable: true\n', { line: 5, column: 19, field: 'rules[0].when.vulnerable' }, "invalid policy: must be a mapping, not true, as in 'vulnerable: { severity: low|medium|high|critical }' (every field optional: 'vulnerable: {}' sets none)"],
    ['vulnerable: high', 'version: 1\nrules:\n  - action: deny\n    when: { vulnerable: high }\n', { line: 4, column: 25, field: 'rules[0].when.vulnerable' }, "must be a mapping, not 'high', as in 'vulnerable: { severity: low|medium|high|critical }'"],
    ['a misspelt severity', 'version: 1\nrules:\n  - action: deny\n    when: { vulnerable: { severity: hihg } }\n', { line: 4, column: 37, field: 'rules[0].when.vulnerable.severity' }, "must be one of low, medium, high, critical, not 'hihg'"],
    ['suspicious: true', 'version: 1\nrules:\n  - action: deny\n    when: { suspicious: true }\n', { line: 4, column: 25, field: 'rules[0].when.suspicious' }, 'must be one of low, medium, high, critical, not true'],
    ['source: git', 'version: 1\nrules:\n  - action: deny\n    when: { source: git }\n', { line: 4, column: 21, field: 'rules[0].when.source' }, "must be a list, not 'git', as in 'source: [registry|git|url|file, ...]'"],
    ['license: MIT', 'version: 1\nrules:\n  - action: deny\n    when: { license: MIT }\n', { line: 4, column: 22, field: 'rules[0].when.license' }, "must be a mapping, not 'MIT', as in 'license: { allow: [<string>, ...], deny: [<string>, ...] }' (at least one field)"],
    ['provenance_dropped: yes', 'version: 1\nrules:\n  - action: deny\n    when: { provenance_dropped: yes }\n', { line: 4, column: 33, field: 'rules[0].when.provenance_dropped' }, "must be true|false or a whole number 1-"],
    ['dormant_for: 3 (a duration with its own description)', 'version: 1\nrules:\n  - action: deny\n    when: { dormant_for: 3 }\n', { line: 4, column: 26, field: 'rules[0].when.dormant_for' }, 'must be a duration: 30m, 48h, 7d, 2w, not 3'],
    ['typosquat: 1', 'version: 1\nrules:\n  - action: deny\n    when: { typosquat: 1 }\n', { line: 4, column: 24, field: 'rules[0].when.typosquat' }, 'must be true|false, not 1'],
  ])('rejects %s with file, line and field', (_name, text, where, message) => {
    const e = failure(text);
    expect(e.code).toBe('SCHEMA');
    expect(e.where).toEqual({ file: 'policy.yml', ...where });
    expect(e.message).toContain(message);
    expect(e.hint ?? '', 'one message per field').not.toContain(where.field);
  });

  it('sscs policy validate says it with the file path and the rule, exit 2 and no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscs-policy-'));
    writeFileSync(join(dir, 'policy.yml'), 'version: 1\nrules:\n  - id: no-vulns\n    action: deny\n    when:\n      vulnerable: true\n');
    const r = await runCli(['policy', 'validate', 'policy.yml'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("sscs: error: policy.yml:6:19 field rules[0].when.vulnerable: invalid policy: must be a mapping, not true, as in 'vulnerable: { severity: low|medium|high|critical }' (every field optional: 'vulnerable: {}' sets none)\n");
  });

  it('rejects YAML syntax errors with the line', () => {
    const e = failure('version: 1\nrules:\n  - action: [deny\n');
    expect(e.code).toBe('MALFORMED');
    expect(e.where?.file).toBe('policy.yml');
    expect(e.where?.line).toBeGreaterThanOrEqual(3);
  });

  it('lists further problems in the hint', () => {
    const e = failure('version: 1\nrules:\n  - action: nope\n  - action: never\n');
    expect(e.hint).toContain('policy.yml:4:13 field rules[1].action: must be one of');
  });

  it('says which file is missing', async () => {
    await expect(loadPolicy('/nonexistent/policy.yml')).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', where: { file: '/nonexistent/policy.yml' } });
  });
});

describe('examples/dependency-policy.yml', () => {
  it('is a valid policy', async () => {
    const { REPO_ROOT } = await import('../support/cli.js');
    const policy = await loadPolicy(join(REPO_ROOT, 'examples/dependency-policy.yml'));
    expect(policy.rules?.map((r) => r.id)).toEqual(['own-packages', 'registry-only', 'known-bad-versions', 'minimum-age', 'suspicious-code', 'copyleft', 'typosquat', 'install-scripts', 'no-provenance']);
  });
});
