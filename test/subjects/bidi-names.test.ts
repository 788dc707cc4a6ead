import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../helper/src/errors.js';
import { assertSubjectName } from '../../helper/src/subjects/name.js';
import { rawTar } from '../support/archives.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

/**
 * Trojan Source (CVE-2021-42574): a bidirectional control makes a name display in another order than it is stored,
 * so `dist/app\u202Egpj.exe` reads as `dist/appexe.jpg` in a log, a review or a verifier's report. Such names, and
 * the line and paragraph separators an editor breaks a line at, are refused as control characters are: exit 2,
 * the name escaped in the message, never printed raw.
 */
const REFUSED: [string, string][] = [
  ['\u202A', 'U+202A LEFT-TO-RIGHT EMBEDDING'],
  ['\u202B', 'U+202B RIGHT-TO-LEFT EMBEDDING'],
  ['\u202C', 'U+202C POP DIRECTIONAL FORMATTING'],
  ['\u202D', 'U+202D LEFT-TO-RIGHT OVERRIDE'],
  ['\u202E', 'U+202E RIGHT-TO-LEFT OVERRIDE'],
  ['\u2066', 'U+2066 LEFT-TO-RIGHT ISOLATE'],
  ['\u2067', 'U+2067 RIGHT-TO-LEFT ISOLATE'],
  ['\u2068', 'U+2068 FIRST STRONG ISOLATE'],
  ['\u2069', 'U+2069 POP DIRECTIONAL ISOLATE'],
  ['\u200E', 'U+200E LEFT-TO-RIGHT MARK'],
  ['\u200F', 'U+200F RIGHT-TO-LEFT MARK'],
  ['\u061C', 'U+061C ARABIC LETTER MARK'],
];
const SEPARATORS: [string, string][] = [
  ['\u2028', 'a line separator (U+2028)'],
  ['\u2029', 'a paragraph separator (U+2029)'],
];
const escaped = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
/** No refused or invisible character reaches the output raw. */
const RAW = /[\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

describe('bidirectional controls and separators in subject names', () => {
  it.each(REFUSED)('refuses %j wherever the name comes from', (c, named) => {
    const name = `app${c}gpj.exe`;
    expect(() => assertSubjectName(`dist/${name}`)).toThrow(InputError);
    try {
      assertSubjectName(`dist/${name}`, 'SHA256SUMS');
    } catch (e) {
      expect((e as InputError).code).toBe('SUBJECT_NAME');
      expect((e as InputError).describe()).toBe(`SHA256SUMS: subject name "dist/app${escaped(c)}gpj.exe" holds a bidirectional control character (${named})`);
      expect((e as InputError).hint).toContain('CVE-2021-42574');
    }
  });

  it.each(SEPARATORS)('refuses %j as a line break', (c, named) => {
    expect(() => assertSubjectName(`dist/a${c}b`)).toThrow(`subject name "dist/a${escaped(c)}b" holds ${named}`);
  });

  it('sscs digest and sscs provenance exit 2 on such a file, whatever the pattern, naming it escaped', async () => {
    for (const [c] of [...REFUSED.slice(4, 5), ...REFUSED.slice(9, 10), ...SEPARATORS.slice(0, 1)]) {
      const dir = tempDir({ 'dist/ok.tgz': 'ok', [`dist/app${c}gpj.exe`]: 'x' });
      for (const pattern of ['dist', 'dist/*', 'dist/**', `dist/app${c}gpj.exe`]) {
        for (const args of [['digest'], ['provenance', '--local', '-o', 'p.jsonl']]) {
          const r = await runCli([...args, '--subject', pattern], { cwd: dir });
          expect(r.exitCode, `${args[0]} ${pattern} ${r.stderr}`).toBe(2);
          expect(r.stderr).toContain(`subject name "dist/app${escaped(c)}gpj.exe" holds `);
          expect(r.stderr).not.toMatch(RAW);
          expect(r.stdout).toBe('');
        }
      }
    }
  });

  it('refuses such a name in a checksums file and an archive, naming the file', async () => {
    const dir = tempDir({ 'SUMS': `${'a'.repeat(64)}  dist/app\u202Egpj.exe\n` });
    writeFileSync(join(dir, 'a.tar'), rawTar([{ path: 'dist/app\u2066x', body: 'x' }]));
    const sums = await runCli(['digest', '--subject-checksums', 'SUMS'], { cwd: dir });
    expect(sums.exitCode).toBe(2);
    expect(sums.stderr).toContain('SUMS: subject name "dist/app\\u202egpj.exe" holds a bidirectional control character (U+202E RIGHT-TO-LEFT OVERRIDE)');
    const tar = await runCli(['digest', '--subject-tar', 'a.tar'], { cwd: dir });
    expect(tar.exitCode).toBe(2);
    expect(tar.stderr).toContain('a.tar: subject name "dist/app\\u2066x" holds a bidirectional control character (U+2066 LEFT-TO-RIGHT ISOLATE)');
    expect(sums.stderr + tar.stderr).not.toMatch(RAW);
  });

  it('refuses such a name in GitLab Runner metadata imported with --from-runner', async () => {
    const dir = tempDir();
    const doc = JSON.parse(readFileSync(new URL('../provenance/fixtures/runner-artifacts-metadata.json', import.meta.url), 'utf8'));
    doc.subject[0].name = 'app\u202Egpj.exe';
    writeFileSync(join(dir, 'meta.json'), JSON.stringify(doc));
    const r = await runCli(['provenance', '--from-runner', 'meta.json', '-o', 'p.jsonl'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('meta.json: subject name "app\\u202egpj.exe" holds a bidirectional control character');
    copyFileSync(new URL('../provenance/fixtures/runner-artifacts-metadata.json', import.meta.url), join(dir, 'ok.json'));
    expect((await runCli(['provenance', '--from-runner', 'ok.json', '-o', 'p.jsonl'], { cwd: dir })).exitCode).toBe(0);
  });

  it('keeps names with joiners, other invisible format characters and right-to-left letters', async () => {
    // ZWJ in an emoji sequence, ZWNJ in Persian spelling, a zero-width space, a BOM, Hebrew and Arabic letters:
    // none reorders what is shown or breaks a line (two names looking alike is the confusables problem, UTS #39).
    const kept = ['\u{1F468}\u200D\u{1F469}\u200D\u{1F467}.png', '\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645.txt', 'zero\u200Bwidth', '\uFEFFbom', '\u05E9\u05DC\u05D5\u05DD.txt'];
    const dir = tempDir(Object.fromEntries(kept.map((n, i) => [`dist/${n}`, String(i)])));
    const r = await runCli(['digest', '--subject', 'dist', '--format', 'json'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).subjects.map((s: { name: string }) => s.name).sort()).toEqual(kept.map((n) => `dist/${n}`).sort());
  });
});
