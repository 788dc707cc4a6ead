/**
 * A release is named the same everywhere the firewall names it: in 403 messages, the decision header, the audit
 * log and the quarantine queue, the project is its PEP 503 name and the version its PEP 440 normal form, whatever
 * the index's file names spell (`odd_spelling-1.0.0.RC1.tar.gz` of `Odd.Spelling` is `pkg:pypi/odd-spelling@1.0.0rc1`), as policy
 * matching compares them. So a way out printed by a 403 names the release that `waive` and `release` act on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { openSqliteStore } from '../../helper/dist/firewall/sqlite-store.js';
import { startPypiIndex, type PypiIndex } from '../support/pypi-index.ts';
import { startFirewallProcess, writePolicy, type FirewallProcess } from './support.ts';

const OLD = new Date(Date.now() - 90 * 86_400_000);
// The index spells the version as its uploader did; the rule names the normal form and another spelling of it.
const POLICY = `version: 1
rules:
  - id: deny-rc
    match: "pkg:pypi/odd-spelling@1.0.0rc1"
    action: deny
    reason: a bad release candidate
  - id: hold-post
    match: "pkg:pypi/odd-spelling@==2.0-post1"
    action: quarantine
    reason: held for review
`;
const SDIST_RC = 'odd_spelling-1.0.0.RC1.tar.gz';
const SDIST_POST = 'odd_spelling-2.0-POST1.tar.gz';

let index: PypiIndex;
let fw: FirewallProcess;
beforeAll(async () => {
  index = await startPypiIndex();
  index.publish({ name: 'Odd.Spelling', version: '1.0.0.RC1', kinds: ['sdist'], uploadedAt: OLD });
  index.publish({ name: 'Odd.Spelling', version: '2.0-POST1', kinds: ['sdist'], uploadedAt: OLD });
  fw = await startFirewallProcess({ policy: await writePolicy(POLICY), upstream: 'http://127.0.0.1:9/', args: ['--pypi-upstream', index.simpleUrl, '--pypi-files', index.filesUrl] });
}, 60_000);
afterAll(async () => {
  await fw?.stop();
  await index?.close();
});

describe('firewall: PyPI releases are named in their normal form', () => {
  it('names the PEP 503 project and the PEP 440 version in a file 403 and its way out', async () => {
    expect(index.file(SDIST_RC)).toBeDefined();
    const r = await fetch(`${fw.url}/files/odd-spelling/${SDIST_RC}`);
    expect(r.status).toBe(403);
    expect(r.headers.get('x-sscs-decision')).toBe('deny; rule=deny-rc');
    const { error } = (await r.json()) as { error: string };
    expect(error).toContain('pkg:pypi/odd-spelling@1.0.0rc1 is denied by rule deny-rc: a bad release candidate');
    expect(error).toContain('sscs firewall waive pkg:pypi/odd-spelling@1.0.0rc1 --reason');
    expect(error).not.toMatch(/RC1|Odd\.Spelling/);
  });

  it('names the normal form when every file of the project is refused', async () => {
    const r = await fetch(`${fw.url}/simple/odd-spelling/`);
    expect(r.status).toBe(403);
    const { error } = (await r.json()) as { error: string };
    // The newest refused release is named: 2.0-POST1 is 2.0.post1.
    expect(error).toContain('no file of odd-spelling is allowed. pkg:pypi/odd-spelling@2.0.post1 is quarantined by rule hold-post: held for review');
    expect(error).toContain('sscs firewall quarantine release pkg:pypi/odd-spelling@2.0.post1');
    expect(error).not.toMatch(/POST1/);
  });

  it('records the normal form in the audit log, the decisions and the quarantine queue', async () => {
    const post = await fetch(`${fw.url}/files/odd-spelling/${SDIST_POST}`);
    expect(post.status).toBe(403);
    const dataDir = fw.dataDir;
    await fw.stop();
    const store = await openSqliteStore(join(dataDir, 'firewall.db'));
    try {
      const log = await store.auditLog(50);
      const files = log.filter((e) => e.kind === 'tarball');
      expect(files.map((e) => [e.name, e.version, e.rule, e.status]).sort()).toEqual([
        ['pkg:pypi/odd-spelling', '1.0.0rc1', 'deny-rc', 403],
        ['pkg:pypi/odd-spelling', '2.0.post1', 'hold-post', 403],
      ]);
      expect((await store.quarantine()).map((q) => [q.name, q.version])).toEqual([['pkg:pypi/odd-spelling', '2.0.post1']]);
      expect((await store.decision('pkg:pypi/odd-spelling', '1.0.0rc1'))?.rule).toBe('deny-rc');
      expect(await store.decision('pkg:pypi/odd-spelling', '1.0.0.RC1')).toBeUndefined();
    } finally {
      await store.close();
      await rm(join(dataDir, 'port.json'));
    }
  });
});
