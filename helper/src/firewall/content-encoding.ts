/**
 * Decodes an upstream body by its Content-Encoding. The firewall asks for `identity`, but registries and the
 * CDNs in front of them answer gzip, br or deflate whatever was asked; a body the firewall cannot decode is an
 * error, never passed on as if it were JSON or a tarball. Bounds stay with the reader: whoever reads the
 * decoded stream counts decoded bytes against its limit, so a small compressed body cannot expand unchecked.
 */
import type { IncomingMessage } from 'node:http';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { ServiceError } from '../errors.js';

/** The body's content coding, lower-cased; `identity` when none is named. */
export function contentCoding(body: IncomingMessage): string {
  return String(body.headers['content-encoding'] ?? '').trim().toLowerCase() || 'identity';
}

/** HTTP `deflate` is zlib-wrapped (RFC 9110 8.4.1.2), but some servers send raw deflate: tell them apart by the first byte. */
function inflate(): Transform {
  let z: Transform | undefined;
  const t: Transform = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!z) {
        z = (chunk[0]! & 0x0f) === 8 ? createInflate() : createInflateRaw();
        z.on('data', (d: Buffer) => t.push(d));
        z.once('error', (e) => t.destroy(e));
      }
      z.write(chunk, () => done());
    },
    flush(done) {
      if (!z) return done();
      z.once('end', () => done());
      z.end();
    },
  });
  return t;
}

/** The decoded body (the body itself for identity). Throws ServiceError for a coding it does not know. */
export function decodeBody(body: IncomingMessage): Readable {
  const coding = contentCoding(body);
  if (coding === 'identity') return body;
  const decoder = coding === 'gzip' || coding === 'x-gzip' ? createGunzip() : coding === 'br' ? createBrotliDecompress() : coding === 'deflate' ? inflate() : undefined;
  if (!decoder) {
    body.destroy();
    throw new ServiceError('SERVICE', `upstream sent Content-Encoding ${coding.slice(0, 40)}, which the firewall cannot decode`);
  }
  // Errors either way end both: a broken body fails the decoder, an abandoned decoder stops the download.
  return pipeline(body, decoder, () => {});
}
