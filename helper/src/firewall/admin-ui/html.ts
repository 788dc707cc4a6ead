/**
 * HTML built by a tagged template that escapes every interpolated value: a page cannot hold a value from the
 * store, a form or a query string that was not escaped, because the only way to insert markup unescaped is
 * another `html` template (or a list of them). Text and double-quoted attribute values are both covered
 * (OWASP XSS prevention cheat sheet, rules 1 and 2: & < > " ' escaped).
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Markup that is already safe: only `html` templates make one. */
export class Html {
  readonly #text: string;
  private constructor(text: string) {
    this.#text = text;
  }
  toString(): string {
    return this.#text;
  }
  /** For the template tag only; anything else calling it would defeat the escaping. */
  static fromTemplate(text: string): Html {
    return new Html(text);
  }
}

/** What a template may interpolate: markup, lists of markup, text (escaped), numbers, or nothing. */
export type Part = Html | readonly Html[] | string | number | undefined | null | false;

function render(part: Part): string {
  if (part === undefined || part === null || part === false) return '';
  if (part instanceof Html) return part.toString();
  if (Array.isArray(part)) return part.map((p: Html) => p.toString()).join('');
  return escapeHtml(String(part));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < parts.length; i++) out += render(parts[i]!) + strings[i + 1]!;
  return Html.fromTemplate(out);
}
