/**
 * One error model for the whole helper. Every failure that reaches the user is an SscsError with a
 * machine-readable `code`, an optional `where` (file, field, line) and an optional `cause`. Only the CLI
 * entry point turns these into exit codes and messages.
 */

/** Exit codes of the CLI, as documented in the README. */
export const EXIT_OK = 0;
/** A check ran and failed: verification, policy. */
export const EXIT_CHECK_FAILED = 1;
/** Bad usage or bad input, or the command could not do what was asked. */
export const EXIT_USAGE = 2;

export interface Where {
  file?: string;
  field?: string;
  line?: number;
  column?: number;
}

export function formatWhere(where: Where | undefined): string {
  if (!where) return '';
  let loc = where.file ?? '';
  if (where.line !== undefined) loc += `${loc ? ':' : 'line '}${where.line}${where.column !== undefined ? `:${where.column}` : ''}`;
  if (where.field) loc += `${loc ? ' ' : ''}${where.field.startsWith('$') || where.field.startsWith('/') ? '' : 'field '}${where.field}`;
  return loc;
}

export abstract class SscsError<C extends string = string> extends Error {
  abstract readonly exitCode: number;
  readonly code: C;
  readonly where: Where | undefined;
  /** A hint shown under the message: how to fix it. */
  readonly hint: string | undefined;

  constructor(code: C, message: string, options: { cause?: unknown; where?: Where; hint?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.where = options.where;
    this.hint = options.hint;
  }

  /** The one-line message with its location, as printed by the CLI. */
  describe(): string {
    const loc = formatWhere(this.where);
    return loc ? `${loc}: ${this.message}` : this.message;
  }
}

/** Unknown flags, missing arguments, conflicting options. */
export type UsageCode = 'USAGE' | 'UNKNOWN_COMMAND' | 'UNKNOWN_FLAG' | 'MISSING_ARGUMENT' | 'CONFLICTING_FLAGS';
export class UsageError extends SscsError<UsageCode> {
  readonly exitCode = EXIT_USAGE;
}

/** Input that cannot be used: a missing file, malformed JSON, an invalid environment. */
export type InputCode =
  | 'INPUT'
  | 'FILE_NOT_FOUND'
  | 'FILE_TOO_LARGE'
  | 'MALFORMED'
  | 'SCHEMA'
  | 'CONTEXT_MISSING'
  | 'CONTEXT_MISMATCH'
  | 'TOKEN'
  | 'NO_SUBJECTS'
  | 'PATH_ESCAPE'
  | 'LIMIT'
  | 'UNKNOWN_FORMAT'
  | 'UNSUPPORTED_VERSION'
  | 'SUBJECT_NAME'
  | 'NOT_A_FILE'
  | 'SECRET';
export class InputError extends SscsError<InputCode> {
  readonly exitCode = EXIT_USAGE;
}

/** A remote service (Fulcio, Rekor, a registry) failed or timed out. */
/** UNAVAILABLE: a service the firewall depends on (its PostgreSQL database) cannot be reached; answered with 503. */
export type ServiceCode = 'NETWORK' | 'TIMEOUT' | 'HTTP_STATUS' | 'SERVICE' | 'UNAVAILABLE';
export class ServiceError extends SscsError<ServiceCode> {
  readonly exitCode = EXIT_USAGE;
}

/** A verification check failed: the artifact, bundle or identity is not what the policy expects. */
export class VerificationError extends SscsError<string> {
  readonly exitCode = EXIT_CHECK_FAILED;
}

/** A dependency policy blocked a package (enforce mode). */
export class PolicyViolation extends SscsError<string> {
  readonly exitCode = EXIT_CHECK_FAILED;
}

export function isSscsError(e: unknown): e is SscsError {
  return e instanceof SscsError;
}

/** Node's system errors carry a string `code` such as ENOENT. */
export function systemErrorCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string'
    ? (e as { code: string }).code
    : undefined;
}
