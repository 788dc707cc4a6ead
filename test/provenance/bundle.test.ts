import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BUNDLE } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { gitlabJobEnv } from '../support/gitlab-env.js';

describe('the single-file bundle', () => {
  it('writes the same provenance, naming itself by digest as a resolved dependency', async () => {
    const dir = tempDir({ 'dist/a.txt': 'a\n' });
    const r = await execa(process.execPath, [BUNDLE, 'provenance', '--subject', 'dist/**', '-o', 'p.jsonl'], { cwd: dir, env: gitlabJobEnv(), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8'));
    const self = s.predicate.buildDefinition.resolvedDependencies.find((d: any) => d.uri.startsWith('pkg:npm/sscs@'));
    expect(self.digest.sha256).toBe(createHash('sha256').update(readFileSync(BUNDLE)).digest('hex'));
  });
});
