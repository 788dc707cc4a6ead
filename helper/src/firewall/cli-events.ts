/**
 * The CLI's operator actions (`sscs firewall waive`, `sscs firewall quarantine release`) send the same signed
 * webhook event as the admin API and page: one event stream whatever the path. The CLI writes the database
 * itself, so it delivers its own event, once; the replicas hear the change through NOTIFY only to re-filter,
 * and send nothing for it, so N replicas still make one delivery per action.
 *
 * The webhook is the same setting as `firewall serve`'s (--webhook-url or SSCS_FIREWALL_WEBHOOK_URL, the secret
 * in SSCS_FIREWALL_WEBHOOK_SECRET), checked before the database is written. A person waits at the terminal, so
 * delivery is bounded tighter than a replica's (CLI_DELIVERY); a failure after the write is a warning on
 * stderr, never a failed command: the action stands, and the audit log has it.
 */
import type { Io } from '../cli/command.js';
import { checkWebhookUrl, setting, WEBHOOK_SECRET_ENV, type Flags } from './config.js';
import type { FirewallEvent } from './events.js';
import { Metrics } from './metrics.js';
import { Webhook } from './webhook.js';

/** Three attempts, 5 s each, 0.5 s then 1 s apart: at most about 17 s before the command returns. */
export const CLI_DELIVERY = { maxAttempts: 3, attemptTimeoutMs: 5_000, baseDelayMs: 500, maxDelayMs: 2_000 } as const;

export interface CliEvents {
  /** Delivers one event and waits for the outcome; a failure is a warning on stderr naming the endpoint's origin only. */
  deliver(event: FirewallEvent, what: string): Promise<void>;
}

/** The webhook the command's settings name, checked (exit 2 on a bad URL or a missing secret); undefined without one. */
export function cliEvents(flags: Flags, io: Io): CliEvents | undefined {
  const raw = setting(flags, io.env, 'webhook-url');
  if (!raw) return undefined;
  const url = checkWebhookUrl(raw, io.env);
  const secret = io.env[WEBHOOK_SECRET_ENV]!;
  return {
    async deliver(event, what) {
      const hook = new Webhook({ url, secret, metrics: new Metrics(), log: () => undefined, ...CLI_DELIVERY });
      const d = await hook.send(event);
      await hook.close(0);
      if (d.result !== 'delivered') {
        io.stderr(`warning: ${what} is recorded, but its ${event.type} webhook event (delivery ${event.id}) was not delivered to ${hook.origin}: ${d.reason ?? d.result}; the audit log has the action\n`);
      }
    },
  };
}
