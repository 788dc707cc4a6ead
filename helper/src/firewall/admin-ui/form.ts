/**
 * Form posts of the admin page: application/x-www-form-urlencoded only (what an HTML form sends without an
 * enctype), at most MAX_FORM_BYTES, and each field checked for length and control characters before use.
 */
import type { IncomingMessage } from 'node:http';

export const MAX_FORM_BYTES = 16 * 1024;
/** Longest value of a free-text field (reason, owner, operator name). */
export const MAX_TEXT = 500;

export type FormResult = { form: URLSearchParams } | { status: number; message: string };

export async function readForm(req: IncomingMessage): Promise<FormResult> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return { status: 415, message: 'the admin page accepts form posts only' };
  const body = await readBounded(req);
  if (body === undefined) return { status: 413, message: `a form post is at most ${MAX_FORM_BYTES} bytes` };
  return { form: new URLSearchParams(body.toString('utf8')) };
}

/**
 * Bytes of an oversized post read and dropped so that the 413 reaches the client: closing a socket with unread
 * data makes the kernel send a reset, and the client may then never see the answer. Past this, the request is
 * destroyed (a reset, but a bounded read).
 */
export const MAX_DRAIN_BYTES = 1024 * 1024;

/** The body, or undefined when over MAX_FORM_BYTES (read to its end, up to MAX_DRAIN_BYTES, and dropped). */
async function readBounded(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? -1);
  if (declared > MAX_DRAIN_BYTES) {
    req.destroy();
    return undefined;
  }
  let over = declared > MAX_FORM_BYTES;
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of req) {
    total += (c as Buffer).length;
    if (total > MAX_DRAIN_BYTES) {
      req.destroy();
      return undefined;
    }
    if (total > MAX_FORM_BYTES) over = true;
    if (!over) chunks.push(c as Buffer);
  }
  return over ? undefined : Buffer.concat(chunks, total);
}

/** A field's value trimmed; undefined when missing, empty, longer than `max` or holding control characters. */
export function field(form: URLSearchParams, name: string, max = MAX_TEXT): string | undefined {
  const v = form.get(name)?.trim();
  // eslint-disable-next-line no-control-regex
  if (!v || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) return undefined;
  return v;
}
