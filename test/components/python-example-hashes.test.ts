/**
 * examples/python-deps/requirements.txt pins the test index's own build of sscs-example-lib 1.0.0 by hash
 * (test/support/pypi-dist.ts builds byte for byte the same each time). A change to that builder changes the bytes:
 * this says so at once, where the pipeline test (python-pipeline.test.ts) would only fail pip's hash check.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.js';
import { buildSdist, buildWheel } from '../support/pypi-dist.ts';

describe('examples/python-deps', () => {
  it('pins the hashes of the wheel and sdist the test index serves', () => {
    const pinned = [...readFileSync(`${REPO_ROOT}/examples/python-deps/requirements.txt`, 'utf8').matchAll(/--hash=sha256:([0-9a-f]{64})/g)].map((m) => m[1]);
    const spec = { name: 'sscs-example-lib', version: '1.0.0' };
    const built = [buildWheel(spec), buildSdist(spec)].map((f) => createHash('sha256').update(f.bytes).digest('hex'));
    expect(pinned).toEqual(built);
  });
});
