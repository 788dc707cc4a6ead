import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { InputError } from '../errors.js';
import { MAX_YAML_ALIASES } from './limits.js';

export interface YamlInput {
  value: unknown;
  /** The line of the node at `path`, or of its nearest ancestor that exists. */
  lineOf(path: readonly string[]): number | undefined;
}

/** Parses YAML keeping positions, so that schema errors can name the line; aliases are bounded. */
export function parseYaml(text: string, file: string, what: string): YamlInput {
  const docs = parseYamlDocuments(text, file, what);
  if (docs.length > 1) throw new InputError('MALFORMED', `${what} holds ${docs.length} YAML documents where one is expected`, { where: { file } });
  return docs[0] ?? { value: null, lineOf: () => undefined };
}

/** Every document of a YAML stream (`---` separated), each with its positions; aliases are bounded. */
export function parseYamlDocuments(text: string, file: string, what: string): YamlInput[] {
  const lineCounter = new LineCounter();
  let parsed;
  try {
    parsed = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    // The composer recurses: hostile nesting ends in a RangeError, which is bad input, not a bug of ours.
    throw new InputError('MALFORMED', `${what} cannot be parsed: ${(e as Error).message}`, { where: { file }, cause: e });
  }
  const docs: Document[] = [...parsed];
  return docs.map((doc) => {
    const err = doc.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new InputError('MALFORMED', `${what} is not valid YAML: ${err.message.split('\n')[0]}`, {
        where: { file, ...(pos ? { line: pos.line, column: pos.col } : {}) },
        cause: err,
      });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (e) {
      throw new InputError('MALFORMED', `${what} cannot be read: ${(e as Error).message}`, { where: { file }, cause: e });
    }
    return {
      value,
      lineOf(path: readonly string[]) {
        for (let n = path.length; n >= 0; n--) {
          const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
          if (node?.range) return lineCounter.linePos(node.range[0]).line;
        }
        return undefined;
      },
    };
  });
}
