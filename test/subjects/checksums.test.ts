import { describe, expect, it } from 'vitest';
import { parseChecksums } from '../../helper/src/subjects/checksums.js';
import { InputError } from '../../helper/src/errors.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(128);

describe('checksums file', () => {
  it('reads GNU text and binary lines, escaped names and BSD tags', () => {
    const text = [`${A}  dist/app.tgz`, `${A} *dist/bin`, `\\${A}  dist/new\\nline`, `SHA512 (dist/app.tgz) = ${B}`, `SHA256 (dist/x y) = ${A.toUpperCase()}`, '', '# comment'].join('\n');
    expect(parseChecksums(text, 'SUMS')).toEqual([
      { name: 'dist/app.tgz', digest: { sha256: A, sha512: B } },
      { name: 'dist/bin', digest: { sha256: A } },
      { name: 'dist/new\nline', digest: { sha256: A } },
      { name: 'dist/x y', digest: { sha256: A } },
    ]);
  });

  it('names the file and line of a malformed entry', () => {
    try {
      parseChecksums(`${A}  ok\nnot a checksum\n`, 'SHA256SUMS');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      expect((e as InputError).describe()).toBe("SHA256SUMS:2: not a checksum line (expected '<hex>  <name>' or 'SHA256 (<name>) = <hex>')");
    }
  });

  it('rejects a digest of the wrong length', () => {
    expect(() => parseChecksums('abcd  file\n', 'S')).toThrow(/4 hex digits/);
  });

  it('rejects one name with two different digests', () => {
    expect(() => parseChecksums(`${A}  f\n${'c'.repeat(64)}  f\n`, 'S')).toThrow(/listed twice/);
  });
});
