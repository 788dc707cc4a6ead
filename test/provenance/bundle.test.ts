import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { BUNDLE } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { gitlabJobEnv } from '../support/gitlab-env.js';
import { PAYLOAD_MARKER, unpackChunks } from '../../helper/tools/bundle.mjs';

describe('the single-file bundle', () => {
  it('writes the same provenance, naming itself by digest as a resolved dependency', async () => {
    const dir = tempDir({ 'dist/a.txt': 'a\n' });
    const r = await execa(process.execPath, [BUNDLE, 'provenance', '--subject', 'dist/**', '-o', 'p.jsonl'], { cwd: dir, env: gitlabJobEnv(), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(0);
    const s = JSON.parse(readFileSync(join(dir, 'p.jsonl'), 'utf8'));
    const self = s.predicate.buildDefinition.resolvedDependencies.find((d: any) => d.uri.startsWith('pkg:npm/sscs@'));
    expect(self.digest.sha256).toBe(createHash('sha256').update(readFileSync(BUNDLE)).digest('hex'));
  });

  it('holds its code in chunks that match the digests its loader records', () => {
    const chunks = unpackChunks(readFileSync(BUNDLE));
    expect(Object.keys(chunks)).toContain('cli.js');
    expect(Object.keys(chunks).some((n) => n.startsWith('provenance-'))).toBe(true);
    expect(chunks['cli.js']).toContain('sscs <command> [flags]');
  });

  it('runs nothing from a chunk changed after the build', async () => {
    const file = readFileSync(BUNDLE);
    const index = JSON.parse(/^const CHUNKS = (\{.*\});$/m.exec(file.toString('latin1'))![1]!) as Record<string, [number, number, string]>;
    const at = file.indexOf(PAYLOAD_MARKER) + PAYLOAD_MARKER.length + index['cli.js']![0] + 10;
    file[at] = file[at] === 0x41 ? 0x42 : 0x41; // still base64, other code
    const dir = tempDir({});
    writeFileSync(join(dir, 'sscs.mjs'), file);
    const r = await execa(process.execPath, [join(dir, 'sscs.mjs'), '--version'], { reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toContain('chunk cli.js does not match its digest');
    expect(r.stdout).toBe('');
  });
});
