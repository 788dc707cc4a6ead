import { defineCommand } from '../cli/command.js';
import { InputError, UsageError } from '../errors.js';
import { cliEvents } from '../firewall/cli-events.js';
import { waiverEvent } from '../firewall/events.js';
import { byWhom, DATA_DIR_FLAG, openCliStore, WEBHOOK_FLAG } from '../firewall/flags.js';
import { addWaiverChecked } from '../firewall/operator.js';
import { parsePackageSpec } from '../firewall/package-spec.js';

export default defineCommand({
  name: 'firewall waive',
  summary: 'Let the firewall serve a denied or quarantined version (NAME@1.2.3), a range (NAME@1.x, pkg:pypi/NAME@>=2,<3) or every version (NAME@*)',
  usage: 'sscs firewall waive NAME@VERSION|NAME@RANGE|NAME@* --reason TEXT [--expires DATE] [--by WHO]',
  description: 'A run-time waiver in the firewall database; for waivers reviewed with the code, use the policy file.',
  flags: {
    ...DATA_DIR_FLAG,
    ...WEBHOOK_FLAG,
    reason: { type: 'string', valueName: 'TEXT', description: 'Why (recorded in the audit log).' },
    expires: { type: 'string', valueName: 'DATE', description: 'When the waiver ends (ISO date or timestamp); absent: never.' },
    by: { type: 'string', valueName: 'WHO', description: 'Who waives it [default: $GITLAB_USER_LOGIN, else $USER].' },
  },
  positionals: { min: 1, max: 1, name: 'NAME@VERSION' },
  examples: ['sscs firewall waive internal-tool@2.0.0 --reason "our own package" --expires 2026-12-31'],
  async run({ flags, positionals, io }) {
    const pkg = parsePackageSpec(positionals[0]!);
    if (!flags.reason?.trim()) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall waive: --reason TEXT is required (it goes to the audit log)');
    const expires = flags.expires ? new Date(flags.expires) : undefined;
    if (expires && Number.isNaN(expires.getTime())) throw new InputError('INPUT', `--expires is not a date: '${flags.expires}'`, { where: { field: '--expires' } });
    const events = cliEvents(flags, io);
    const by = byWhom(flags.by, io.env);
    const store = await openCliStore(flags, io);
    let w;
    try {
      w = await addWaiverChecked(store, { name: pkg.key, version: pkg.version, by, reason: flags.reason, ...(expires ? { expiresAt: expires } : {}) }, new Date());
      store.audit({ at: new Date(), client: 'cli', kind: 'admin', name: pkg.key, version: pkg.version, action: 'waive', rule: `waiver:${w.id}`, status: 0 });
    } finally {
      await store.close();
    }
    io.stdout(`waived ${pkg.key}@${pkg.version} (waiver:${w.id})\n`);
    await events?.deliver(waiverEvent(w, 'cli', by), `waiver:${w.id}`);
    return 0;
  },
});
