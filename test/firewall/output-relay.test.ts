import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../../helper/src/io/redact.js';
import { outputRelay } from '../../helper/src/firewall/output-relay.js';
import { secretValues } from '../../helper/src/io/secrets.js';

const ENV = { MY_TOKEN: 'tok-1234567890', SHORTER_SECRET: '4567890abc', DEPLOY_KEY: '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----' };
const PEM = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nx9Yz\n-----END RSA PRIVATE KEY-----';

/** The output as the CLI prints it: each write redacted on its own, as cli.ts does. */
function relayed(chunks: readonly string[]): { out: string; writes: number } {
  const redact = makeRedactor(ENV);
  let out = '';
  let writes = 0;
  const relay = outputRelay(secretValues(ENV), (t) => {
    out += redact(t);
    writes++;
  });
  for (const c of chunks) relay.push(c);
  relay.end();
  return { out, writes };
}

describe('firewall run output relay', () => {
  const text = `added 3 packages\nauth: ${ENV.MY_TOKEN} and ${ENV.SHORTER_SECRET}x\n${PEM}\n${ENV.DEPLOY_KEY}\ndone\n`;

  it('never passes a secret or a private key on, wherever the output is cut in two or three', () => {
    for (let i = 1; i < text.length; i++) {
      for (const j of [i + 1, i + 7, text.length - 1]) {
        const chunks = j > i && j < text.length ? [text.slice(0, i), text.slice(i, j), text.slice(j)] : [text.slice(0, i), text.slice(i)];
        const { out } = relayed(chunks);
        for (const secret of [ENV.MY_TOKEN, ENV.SHORTER_SECRET, 'MIIEowIBAAKCAQEA7', 'b3BlbnNzaC1rZXk', 'tok-12345', '90abc']) expect(out, `cut at ${i}, ${j}`).not.toContain(secret);
        expect(out).toContain('added 3 packages\nauth: [REDACTED]');
        expect(out.endsWith('done\n')).toBe(true);
      }
    }
  });

  it('passes output without secrets on as it comes', () => {
    const { out, writes } = relayed(['npm warn deprecated x\n', 'added 1 package', ' in 2s\n']);
    expect(out).toBe('npm warn deprecated x\nadded 1 package in 2s\n');
    expect(writes).toBe(3);
  });

  it('holds a possible start of a secret only until it is told apart', () => {
    const { out, writes } = relayed(['progress tok-12', '3 done\n']);
    expect(out).toBe('progress tok-123 done\n');
    expect(writes).toBe(2);
  });
});
