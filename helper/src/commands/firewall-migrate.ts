import { defineCommand } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { auditRetention, setting } from '../firewall/config.js';
import { databaseSetting } from '../firewall/postgres/connect.js';
import { checkRoleName, grantStatements } from '../firewall/postgres/grants.js';
import { runOwnerTasks } from '../firewall/postgres/owner.js';

export default defineCommand({
  name: 'firewall migrate',
  summary: 'Apply the firewall database migrations as its owner, and grant a replica role least privileges',
  usage: 'sscs firewall migrate --database postgres://OWNER@HOST:PORT/DB [--grant ROLE] [--audit-retention-days N] | --print-grants ROLE',
  description:
    'Run as the role that owns the firewall tables (its password in PGPASSWORD, a pgpass file or SSCS_FIREWALL_DATABASE, never in the flag). Replicas then connect as another role with only what they need, started with --migrate never: not owning the tables, that role cannot drop or disable the audit triggers, alter tables or delete audit rows. Audit retention needs DELETE, so with such replicas the owner prunes: schedule this command with --audit-retention-days.',
  flags: {
    database: {
      type: 'string',
      valueName: 'postgres://OWNER@HOST:PORT/DB',
      description: 'The firewall database, connecting as the role that owns it; the password only from PGPASSWORD, a pgpass file, or the whole URL in SSCS_FIREWALL_DATABASE (env SSCS_FIREWALL_DATABASE).',
    },
    grant: { type: 'string', valueName: 'ROLE', description: 'After migrating, give ROLE what a serving replica needs: SELECT/INSERT/UPDATE on the tables it writes, INSERT and SELECT on the audit log, nothing else.' },
    'print-grants': { type: 'string', valueName: 'ROLE', description: 'Print the GRANT statements for ROLE and exit, without connecting (for a DBA to review or apply).' },
    'audit-retention-days': {
      type: 'string',
      valueName: 'DAYS',
      description: 'Then record this retention (at least 1; the database keeps the longest ever given) and remove the audit rows older than it, once: what firewall serve does hourly when its role may (env SSCS_FIREWALL_AUDIT_RETENTION_DAYS).',
    },
  },
  examples: [
    'PGPASSWORD=... sscs firewall migrate --database postgres://sscs_owner@db:5432/firewall --grant sscs_replica',
    'sscs firewall migrate --print-grants sscs_replica',
  ],
  async run({ flags, io }) {
    if (flags['print-grants'] !== undefined) {
      if (flags.grant || flags.database || flags['audit-retention-days']) throw new UsageError('USAGE', 'sscs firewall migrate: --print-grants ROLE prints only; give it alone');
      io.stdout(`${grantStatements(checkRoleName(flags['print-grants'], '--print-grants')).join('\n')}\n`);
      return 0;
    }
    const target = databaseSetting(flags.database, io.env);
    if (!target) throw new UsageError('MISSING_ARGUMENT', 'sscs firewall migrate: --database postgres://OWNER@HOST:PORT/DB (or SSCS_FIREWALL_DATABASE) is required; SQLite migrates itself');
    const grant = flags.grant !== undefined ? checkRoleName(flags.grant, '--grant') : undefined;
    const { auditRetentionMs } = auditRetention(setting(flags, io.env, 'audit-retention-days'));
    const r = await runOwnerTasks(target, { ...(grant ? { grant } : {}), ...(auditRetentionMs !== undefined ? { auditRetentionMs } : {}) });
    io.stdout(`firewall database ${target.label}: ${r.applied.length ? `applied migration ${r.applied.join(', ')}` : 'no migration to apply'}; schema version ${r.schemaVersion}\n`);
    if (r.granted) io.stdout(`granted ${r.granted.role} the replica privileges on ${r.granted.tables} tables\n`);
    for (const w of r.warnings ?? []) io.stderr(`warning: ${w}\n`);
    if (r.pruned !== undefined) io.stdout(`audit rows past the retention removed: ${r.pruned}\n`);
    return 0;
  },
});
