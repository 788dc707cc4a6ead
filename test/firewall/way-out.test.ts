import { describe, expect, it } from 'vitest';
import { wayOut } from '../../helper/src/firewall/evaluator.js';

const deny = { action: 'deny' as const, rule: 'r', reason: 'x' };

describe('the way out a refusal names', () => {
  it('quotes a purl the shell would misread (a PEP 440 epoch), and leaves plain ones as they are', () => {
    expect(wayOut({ ecosystem: 'pypi', name: 'vers', version: '1!2.0' }, deny)).toContain(`sscs firewall waive 'pkg:pypi/vers@1!2.0' --reason`);
    expect(wayOut({ ecosystem: 'pypi', name: 'vers', version: '2.0+cpu' }, deny)).toContain('sscs firewall waive pkg:pypi/vers@2.0+cpu --reason');
    expect(wayOut({ ecosystem: 'npm', name: '@scope/x', version: '1.0.0' }, deny)).toContain('sscs firewall waive @scope/x@1.0.0 --reason');
  });
});
