import { defineCommand } from '../cli/command.js';
import { InputError, UsageError } from '../errors.js';
import { byWhom, DATA_DIR_FLAG, openCliStore, parseSpec } from '../firewall/flags.js';
import { addWaiverChecked } from '../firewall/operator.js';

export default defineCommand({
  name: 'firewall waive',
  summary: 'Let the firewall serve a denied or quarantined version (NAME@1.2.3), a semver range (NAME@1.x) or every version (NAME@*)',
  usage: 'sscs firewall waive NAME@VERSION|NAME@RANGE|NAME@* --reason TEXT [--expires DATE] [--by WHO]',
  description: 'A run-time waiver in the firewall database; for waivers reviewed with the code, use the policy file.',
  flags: {
    ...DATA_DIR_FLAG,
    reason: { type: 'string', valueName: 'TEXT', description: 'Why (recorded in the audit log).' },
    expires: { type: 'string', valueName: 'DATE', description: 'When the waiver ends (ISO date or timestamp); absent: never.' },
    by: { type: 'string', valueName: 'WHO', description: 'Who waives it [default: $GITLAB_USER_LOGIN, else $USER].' },
  },
  positionals: { min: 1, max: 1, name: 'NAME@VERSION' },
  examples: ['sscs firewall waive internal-tool@2.0.0 --reason "our own package" --expires 2026-12-31'],
  async run({ flags, positionals, io }) {
    const pkg = parseSpec(positionals[0]);
    if (!pkg) throw new UsageError('MISSING_ARGUMENT', `sscs firewall waive: expected NAME@VERSION, not '${positionals[0]}'`);
    if (!flags.reason?.trim()) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall waive: --reason TEXT is required (it goes to the audit log)');
    const expires = flags.expires ? new Date(flags.expires) : undefined;
    if (expires && Number.isNaN(expires.getTime())) throw new InputError('INPUT', `--expires is not a date: '${flags.expires}'`, { where: { field: '--expires' } });
    const store = await openCliStore(flags, io);
    try {
      const w = await addWaiverChecked(store, { ...pkg, by: byWhom(flags.by, io.env), reason: flags.reason, ...(expires ? { expiresAt: expires } : {}) }, new Date());
      store.audit({ at: new Date(), client: 'cli', kind: 'admin', name: pkg.name, version: pkg.version, action: 'waive', rule: `waiver:${w.id}`, status: 0 });
      io.stdout(`waived ${pkg.name}@${pkg.version} (waiver:${w.id})\n`);
      return 0;
    } finally {
      await store.close();
    }
  },
});
