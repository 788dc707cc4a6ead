import { describe, expect, it } from 'vitest';
import { parseNpmrc } from '../../helper/src/registry/npmrc.js';
import { readPackument } from '../../helper/src/registry/packument.js';

// Expressions the static ReDoS check (test/regex-audit.test.ts) flagged in the registry readers, rewritten linear.
// 1 MB each: the old expressions are O(n²) on these (minutes); the answers must be the short input's.
const MB = 1024 * 1024;
const fill = (unit: string, size = MB) => unit.repeat(Math.ceil(size / unit.length));

describe('.npmrc ${VAR} expansion', () => {
  it('expands, keeps an escaped one, and leaves an unset one', () => {
    const rc = parseNpmrc('a=${T}\nb=\\${T}\nc=${U}\nd=${U?}x', { T: 'tok' });
    expect([...rc]).toEqual([['a', 'tok'], ['b', '${T}'], ['c', '${U}'], ['d', 'x']]);
  });
  it('1 MB of backslashes, or of unclosed ${, before a reference', () => {
    expect(parseNpmrc(`a=${fill('\\')}x\${T}`, { T: 't' }).get('a')!.endsWith('\\xt')).toBe(true);
    expect(parseNpmrc(`a=${fill('\\')}\\\${T}`, { T: 't' }).get('a')!.endsWith('\\${T}')).toBe(true);
    expect(parseNpmrc(`a=${fill('${$')}\${T}`, { T: 't' }).get('a')!.endsWith('$t')).toBe(true);
  });
});

describe('the publisher of an old "name <email>" _npmUser', () => {
  const publisher = (npmUser: unknown) => readPackument({ name: 'p', versions: { '1.0.0': { name: 'p', version: '1.0.0', _npmUser: npmUser, dist: { tarball: 'https://registry.npmjs.org/p/-/p-1.0.0.tgz' } } } }, 'p', 'https://registry.npmjs.org/').meta.versions['1.0.0']?.publisher;
  it('is the name before the address', () => {
    expect(publisher('alice <a@example.invalid>')).toBe('alice');
    expect(publisher({ name: 'bob', email: 'b@example.invalid' })).toBe('bob');
  });
  it('1 MB of blanks before an unclosed <', () => {
    expect(publisher(`alice${fill('\t')}\x00<`)).toBe(`alice${fill('\t')}\x00`);
  });
});
