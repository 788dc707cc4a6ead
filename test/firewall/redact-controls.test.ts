import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../support/cli.js';
import { makeRedactor } from '../../helper/src/io/redact.js';
import { outputRelay } from '../../helper/src/firewall/output-relay.js';
import { secretValues } from '../../helper/src/io/secrets.js';

const TOKEN = 's3cr3t-Tok3n-Value-XYZ123';
const ENV = { MY_API_TOKEN: TOKEN };

/** Terminal control text that a log viewer hides, so a secret split by it is still shown whole. */
const INSERTS: Record<string, string> = {
  'SGR reset': '\x1b[0m',
  'SGR colour': '\x1b[1;38;5;208m',
  'cursor up': '\x1b[1A',
  'cursor right': '\x1b[10C',
  'private mode': '\x1b[?25l',
  'OSC title (BEL)': '\x1b]0;my title\x07',
  'OSC hyperlink (ST)': '\x1b]8;;https://example.com\x1b\\',
  'two-byte ESC': '\x1b7',
  'charset ESC ( B': '\x1b(B',
  'carriage return': '\r',
  NUL: '\0',
  'BEL alone': '\x07',
  'SO, SI and DEL': '\x0e\x0f\x7f',
  'several at once': '\x1b[31m\r\0\x1b]2;t\x07\x1b[0m\x1b8',
};

const redact = makeRedactor(ENV);

/** The output as the CLI prints it through firewall run: relayed, each write redacted on its own (cli.ts). */
function relayed(chunks: readonly string[]): string {
  let out = '';
  const relay = outputRelay(secretValues(ENV), (t) => (out += redact(t)));
  for (const c of chunks) relay.push(c);
  relay.end();
  return out;
}

/** What a terminal or a log viewer that renders ANSI shows: the text with control sequences, CR and NUL taken out. */
function shown(text: string): string {
  return text.replace(/\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]|[\0-\x07\r-\x1f\x7f]/g, '');
}

describe('redacting secrets split by terminal control sequences', () => {
  for (const [name, insert] of Object.entries(INSERTS)) {
    it(`redacts the whole token with ${name} at every place inside it`, () => {
      for (let i = 1; i < TOKEN.length; i++) {
        const text = `E:${TOKEN.slice(0, i)}${insert}${TOKEN.slice(i)}\n`;
        expect(redact(text), `at ${i}`).toBe('E:[REDACTED]\n');
      }
    });
  }

  it('redacts a token split in several places by several kinds of control', () => {
    const inserts = Object.values(INSERTS);
    let text = '';
    for (let i = 0; i < TOKEN.length; i++) text += (i > 0 ? inserts[i % inserts.length] : '') + TOKEN[i];
    expect(redact(`\x1b[32m${text}\x1b[0m ok`)).toBe('\x1b[32m[REDACTED]\x1b[0m ok');
  });

  it('keeps the control text around the token and redacts the token twice in a line', () => {
    expect(redact(`\x1b[1m${TOKEN.slice(0, 3)}\r${TOKEN.slice(3)}\x1b[0m and ${TOKEN}`)).toBe('\x1b[1m[REDACTED]\x1b[0m and [REDACTED]');
  });

  it('passes ordinary ANSI-coloured output without secrets byte for byte', () => {
    const text = '\x1b[1m\x1b[32madded\x1b[39m\x1b[22m 3 packages\r\n\x1b]0;npm install\x07progress \x1b[2K\r\x1b[1A s3cr3t \x1b(B\x1b7\0done\x1b8\n\x1b[';
    expect(redact(text)).toBe(text);
    expect(relayed([...text])).toBe(text);
    expect(relayed([text])).toBe(text);
  });

  for (const [name, insert] of Object.entries(INSERTS)) {
    it(`firewall run's relay never shows the token with ${name} inside it, wherever the output is cut`, () => {
      for (let i = 1; i < TOKEN.length; i++) {
        const text = `npm \x1b[33mwarn\x1b[0m E:${TOKEN.slice(0, i)}${insert}${TOKEN.slice(i)}\ndone\n`;
        for (let cut = 1; cut < text.length; cut++) {
          const out = relayed([text.slice(0, cut), text.slice(cut)]);
          expect(shown(out), `at ${i}, cut ${cut}`).not.toContain(TOKEN.slice(0, 8));
          expect(out, `at ${i}, cut ${cut}`).toBe('npm \x1b[33mwarn\x1b[0m E:[REDACTED]\ndone\n');
        }
      }
    });
  }

  it('firewall run\'s relay holds a token cut inside an escape sequence, one character at a time', () => {
    const text = `x ${TOKEN.slice(0, 5)}\x1b]0;title\x07\x1b[0m${TOKEN.slice(5, 9)}\r${TOKEN.slice(9)} y\n`;
    expect(relayed([...text])).toBe('x [REDACTED] y\n');
  });
});

describe('sscs firewall run (the built CLI)', () => {
  it('redacts a token the install prints split by an SGR reset, a CR and a NUL, in writes of its own', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sscs-redact-controls-'));
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'leak', version: '1.0.0', private: true }));
    await writeFile(join(dir, 'policy.yml'), 'version: 1\nrules: []\n');
    const leak = [
      'const t = process.env.MY_API_TOKEN;',
      "process.stdout.write('E:' + t.slice(0, 4) + '\\x1b[0m' + t.slice(4) + '\\n');",
      "process.stdout.write('F:' + t.slice(0, 2) + '\\r' + t.slice(2, 9) + '\\0' + t.slice(9, 12) + '\\x1b[');",
      "setTimeout(() => process.stdout.write('1A' + t.slice(12) + '\\n'), 300);",
    ].join(' ');
    const r = await runCli(['firewall', 'run', '--policy', 'policy.yml', '--upstream', 'http://127.0.0.1:9', '--', process.execPath, '-e', leak], { cwd: dir, env: { HOME: dir, MY_API_TOKEN: TOKEN } });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe('E:[REDACTED]\nF:[REDACTED]\n');
    expect(shown(r.stdout + r.stderr)).not.toContain(TOKEN.slice(0, 4));
  });
});
