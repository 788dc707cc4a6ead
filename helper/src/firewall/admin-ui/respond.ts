/**
 * How every admin page response goes out: a strict Content-Security-Policy (no script at all, styles only
 * from our own stylesheet, forms only to ourselves, never framed), no caching, no sniffing, and a referrer
 * kept to our own origin (a `no-referrer` policy would make browsers send `Origin: null` on our own forms).
 */
import type { ServerResponse } from 'node:http';
import type { Html } from './html.js';

export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
  pragma: 'no-cache',
};

export function sendPage(res: ServerResponse, status: number, page: Html, headers: Record<string, string | string[]> = {}): number {
  const body = Buffer.from(page.toString(), 'utf8');
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, ...headers });
  res.end(body);
  return status;
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): number {
  const body = Buffer.from(text, 'utf8');
  res.writeHead(status, { ...PAGE_HEADERS, 'content-type': contentType, 'content-length': body.length });
  res.end(body);
  return status;
}

/** 303 See Other to a path relative to the page folder (Post/Redirect/Get), so a reload never posts again. */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}): number {
  res.writeHead(303, { ...PAGE_HEADERS, location, 'content-length': 0, ...headers });
  res.end();
  return 303;
}
