/**
 * Form posts of the admin page: application/x-www-form-urlencoded only (what an HTML form sends without an
 * enctype), at most MAX_FORM_BYTES, and each field checked for length and control characters before use.
 */
import type { IncomingMessage } from 'node:http';
import { readBody } from '../upstream.js';

export const MAX_FORM_BYTES = 16 * 1024;
/** Longest value of a free-text field (reason, owner, operator name). */
export const MAX_TEXT = 500;

export type FormResult = { form: URLSearchParams } | { status: number; message: string };

export async function readForm(req: IncomingMessage): Promise<FormResult> {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') return { status: 415, message: 'the admin page accepts form posts only' };
  try {
    return { form: new URLSearchParams((await readBody(req, MAX_FORM_BYTES)).toString('utf8')) };
  } catch {
    return { status: 413, message: `a form post is at most ${MAX_FORM_BYTES} bytes` };
  }
}

/** A field's value trimmed; undefined when missing, empty, longer than `max` or holding control characters. */
export function field(form: URLSearchParams, name: string, max = MAX_TEXT): string | undefined {
  const v = form.get(name)?.trim();
  // eslint-disable-next-line no-control-regex
  if (!v || v.length > max || /[\u0000-\u001f\u007f]/.test(v)) return undefined;
  return v;
}
