import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStatements } from '../../helper/src/sign/statements.js';
import { bundlePaths } from '../../helper/src/sign/output.js';

describe('statements', () => {
  it('reads JSON Lines, skipping blank lines, and names the bad line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sscs-st-'));
    const s = (name: string) => JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name, digest: { sha256: 'ab' } }], predicateType: 'p', predicate: {} });
    writeFileSync(join(dir, 'ok.jsonl'), `${s('a')}\n\n${s('b')}\n`);
    expect((await readStatements(join(dir, 'ok.jsonl'))).map((x) => [x.line, x.subjects[0]!.name, x.payload.toString()])).toEqual([
      [1, 'a', s('a')],
      [3, 'b', s('b')],
    ]);
    writeFileSync(join(dir, 'bad.jsonl'), `${s('a')}\n${s('b').replace('"ab"', '"AB"')}\n`);
    await expect(readStatements(join(dir, 'bad.jsonl'))).rejects.toMatchObject({ code: 'SCHEMA', where: { line: 2, field: 'subject[0].digest.sha256' } });
  });

  it('names the bundles of several statements after the output', () => {
    expect(bundlePaths('out/prov.sigstore.json', 2)).toEqual(['out/prov.1.sigstore.json', 'out/prov.2.sigstore.json']);
    expect(bundlePaths('prov.json', 1)).toEqual(['prov.json']);
    expect(bundlePaths('prov', 2)).toEqual(['prov.1', 'prov.2']);
  });
});
