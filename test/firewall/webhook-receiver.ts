/**
 * A webhook endpoint on 127.0.0.1 that checks each delivery as a careful receiver would: HMAC over the raw body,
 * timestamp window; and each event against the committed schemas/firewall-event-v1.schema.json.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { REPO_ROOT } from '../support/cli.js';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
/** The committed schema, as a receiver would take it from the repository. */
export const validEvent = ajv.compile(JSON.parse(readFileSync(`${REPO_ROOT}/schemas/firewall-event-v1.schema.json`, 'utf8')));

export interface ReceivedEvent {
  id: string;
  type: string;
  at: string;
  ecosystem: string;
  name: string;
  version: string;
  purl: string;
  actor: { kind: string; via: string; name?: string; client?: string };
  record?: string;
  data: Record<string, any>;
  delivery: string;
  /** The signature and timestamp check out, and x-sscs-event is the body's type. */
  verified: boolean;
  /** Schema errors of the body (schemas/firewall-event-v1.schema.json), none when it conforms. */
  schemaErrors: string[];
}

export interface WebhookReceiver {
  url: string;
  events: ReceivedEvent[];
  /** Answers given to the next requests, in order (default 204); 'hang' never answers. */
  script: (number | 'hang')[];
  attempts: number;
  /** Every attempt's delivery id and signature, answered or not. */
  seen: { delivery: string; signature: string }[];
  waitFor(pred: (e: ReceivedEvent[]) => boolean, ms?: number): Promise<void>;
  /** Waits, polling, until `cond` holds (attempts, say); throws after `ms`. */
  until(cond: () => boolean, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** The verification a receiver should do, written from the format the README documents. */
export function verify(secret: string, headers: http.IncomingHttpHeaders, raw: Buffer, now = Date.now()): boolean {
  const ts = String(headers['x-sscs-timestamp'] ?? '');
  const sig = String(headers['x-sscs-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(now / 1000 - Number(ts)) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${ts}.`).update(raw).digest('hex')}`);
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const hanging = new Set<http.ServerResponse>();
  const r: WebhookReceiver = {
    url: '',
    events: [],
    script: [],
    attempts: 0,
    seen: [],
    async waitFor(pred, ms = 15_000) {
      await r.until(() => pred(r.events), ms).catch(() => {
        throw new Error(`webhook events not seen in time: ${JSON.stringify(r.events.map((e) => e.type))}`);
      });
    },
    async until(cond, ms = 15_000) {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) throw new Error(`not so within ${ms} ms (${r.attempts} attempts, ${r.events.length} events)`);
        await new Promise((res) => setTimeout(res, 50));
      }
    },
    close: () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      return new Promise((res) => server.close(() => res()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      r.attempts++;
      r.seen.push({ delivery: String(req.headers['x-sscs-delivery']), signature: String(req.headers['x-sscs-signature']) });
      const answer = r.script.shift() ?? 204;
      if (answer === 'hang') {
        hanging.add(res);
        return;
      }
      if (answer >= 200 && answer < 300) {
        const raw = Buffer.concat(chunks);
        const body = JSON.parse(raw.toString('utf8'));
        const schemaErrors = validEvent(body) ? [] : (validEvent.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
        r.events.push({ ...body, delivery: String(req.headers['x-sscs-delivery']), verified: verify(secret, req.headers, raw) && req.headers['x-sscs-event'] === body.type, schemaErrors });
      }
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/sscs?token=in-the-url`;
  return r;
}
