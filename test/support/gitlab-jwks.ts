/**
 * A stand-in for a GitLab instance's OpenID Connect key endpoint (`/oauth/discovery/keys`) on 127.0.0.1, with
 * RSA keys the test makes, and ID tokens signed as GitLab signs them (RS256, `kid` = the key's JWK thumbprint,
 * as GitLab's `Gitlab::Ci::JwtBase` / JSON::JWT sets it). `mode` makes it misbehave.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll } from 'vitest';

export type JwksMode = 'ok' | 'oversize' | 'oversize-chunked' | 'status-500' | 'redirect' | 'not-json';

export interface SigningKey {
  privateKey: CryptoKey;
  jwk: JWK;
  kid: string;
}

export async function rsaSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { privateKey, jwk: { ...jwk, kid, use: 'sig', alg: 'RS256' }, kid };
}

/** A JWT signed with `key` (RS256 unless told), with the given header kid (default the key's). */
export async function signedJwt(claims: Record<string, unknown>, key: SigningKey, opts: { kid?: string } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: opts.kid ?? key.kid }).sign(key.privateKey);
}

export function jwksDocument(keys: SigningKey[]): string {
  return JSON.stringify({ keys: keys.map((k) => k.jwk) });
}

export interface JwksServer {
  url: string;
  /** Requests served so far. */
  requests: string[];
  mode: JwksMode;
  close(): Promise<void>;
}

/** Serves `keys` at /oauth/discovery/keys; closed after the test file. */
export async function startJwksServer(keys: SigningKey[]): Promise<JwksServer> {
  const state = { requests: [] as string[], mode: 'ok' as JwksMode };
  const body = jwksDocument(keys);
  const server: Server = createServer((req, res) => {
    state.requests.push(`${req.method} ${req.url}`);
    if (req.url !== '/oauth/discovery/keys') return void res.writeHead(404).end();
    switch (state.mode) {
      case 'status-500':
        return void res.writeHead(500).end('{}');
      case 'redirect':
        return void res.writeHead(302, { location: '/elsewhere' }).end();
      case 'not-json':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>sign in</html>');
      case 'oversize':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk), pad: 'x'.repeat(200 * 1024) }));
      case 'oversize-chunked': {
        // No content-length: the client must stop reading on its own.
        res.writeHead(200, { 'content-type': 'application/json' });
        let sent = 0;
        const more = () => {
          while (sent < 4 * 1024 * 1024 && !res.destroyed) {
            sent += 16 * 1024;
            if (!res.write(' '.repeat(16 * 1024))) return void res.once('drain', more);
          }
          res.end();
        };
        return void more();
      }
      default:
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  afterAll(close);
  return {
    url,
    get requests() { return state.requests; },
    get mode() { return state.mode; },
    set mode(m: JwksMode) { state.mode = m; },
    close,
  };
}

/** A 127.0.0.1 URL where nothing listens: a port that was just free. */
export async function unusedUrl(): Promise<string> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
