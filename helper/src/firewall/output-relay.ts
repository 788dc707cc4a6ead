/**
 * The install's output passed on as it comes (firewall run), without ever cutting a secret in two. The CLI's
 * redactor (io/redact.ts) sees one write at a time, so a token the install prints in two pieces (two writes of
 * its own, or a pipe read that ends inside the value) would pass it in halves, neither of which it knows. Text
 * that could be the start of a secret value, or a PEM private key block not yet ended, is held until the rest
 * comes or the output ends; everything before it is passed on at once.
 */

import { hasTerminalControls, shownText } from '../io/redact.js';

/** A PEM private key block's header and footer (as io/secrets.ts and io/redact.ts match them). */
const PEM_BEGIN = '-----BEGIN ';
const PEM_END = '-----END ';
/** A PEM header line is shorter than this (`-----BEGIN ENCRYPTED PRIVATE KEY-----` is 37). */
const MAX_HEADER_CHARS = 80;
/** Past this much held text an unfinished private key block is passed on anyway (the redactor then hides it to the end of the write). */
const MAX_HELD_CHARS = 1024 * 1024;

export interface OutputRelay {
  /** More output. */
  push(text: string): void;
  /** The output ended: whatever is held is passed on. */
  end(): void;
}

/** `secrets`: the values the redactor replaces (io/secrets.ts secretValues). `write`: where output goes (the CLI's stdout). */
export function outputRelay(secrets: readonly string[], write: (text: string) => void): OutputRelay {
  let held = '';
  return {
    push(text) {
      held += text;
      const cut = held.length > MAX_HELD_CHARS ? held.length : safeCut(held, secrets);
      if (cut === 0) return;
      write(held.slice(0, cut));
      held = held.slice(cut);
    },
    end() {
      if (held) write(held);
      held = '';
    },
  };
}

/**
 * The longest start of `text` that can be written now: no secret value and no open PEM private key block begins
 * before the cut and goes on past it, and nothing after it could be the start of a secret still to come.
 */
export function safeCut(text: string, secrets: readonly string[]): number {
  let cut = text.length;
  for (const s of secrets) cut = Math.min(cut, partialAtEnd(text, s));
  // The same as a terminal shows the text (io/redact.ts shownText): a value split by escape sequences, CR or NUL,
  // or a start of one followed by an escape sequence not yet ended, is held too.
  const view = hasTerminalControls(text) ? shownText(text, true) : undefined;
  if (view) {
    for (const s of secrets) {
      const at = partialAtEnd(view.text, s);
      if (at < view.text.length) cut = Math.min(cut, view.at[at]!);
    }
  }
  // A whole value that the cut would split (a shorter secret's start inside a longer one's) moves the cut before it.
  for (let moved = true; moved; ) {
    moved = false;
    for (const s of secrets) {
      for (let at = text.indexOf(s, Math.max(0, cut - s.length + 1)); at >= 0 && at < cut; at = text.indexOf(s, at + 1)) {
        if (at + s.length > cut) {
          cut = at;
          moved = true;
        }
      }
      if (!view || !s) continue;
      for (let at = view.text.indexOf(s); at >= 0 && view.at[at]! < cut; at = view.text.indexOf(s, at + 1)) {
        if (view.at[at + s.length - 1]! >= cut) {
          cut = view.at[at]!;
          moved = true;
        }
      }
    }
  }
  // A private key block is passed on whole, header to footer, so the redactor sees it in one write.
  cut = Math.min(cut, partialAtEnd(text, PEM_BEGIN));
  const begin = cut > 0 ? text.lastIndexOf(PEM_BEGIN, cut - 1) : -1;
  if (begin >= 0 && text.indexOf(PEM_END, begin) < 0) {
    const close = text.indexOf('-----', begin + PEM_BEGIN.length);
    const header = text.slice(begin, close < 0 ? begin + MAX_HEADER_CHARS : close);
    if ((close < 0 && text.length - begin < MAX_HEADER_CHARS) || header.includes('PRIVATE KEY')) cut = begin;
  }
  return cut;
}

/** Where a proper prefix of `secret` begins that ends `text`, the earliest such place; `text.length` when none does. */
function partialAtEnd(text: string, secret: string): number {
  for (let at = text.indexOf(secret[0]!, Math.max(0, text.length - secret.length + 1)); at >= 0; at = text.indexOf(secret[0]!, at + 1)) {
    if (secret.startsWith(text.slice(at))) return at;
  }
  return text.length;
}
