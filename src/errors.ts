// One error type for Palaver: a stable `code` callers can branch on, and the `cause` that led to it.

export type ErrorCode =
  | "config_invalid"
  | "migration_unknown"
  | "database_unreachable"
  | "migration_pending"
  | "migration_failed"
  | "claude_auth"
  | "claude_permission"
  | "claude_bad_request"
  | "claude_rate_limited"
  | "claude_overloaded"
  | "claude_server"
  | "claude_connection"
  | "claude_context_exceeded"
  | "claude_not_found"
  | "claude_unknown"
  | "claude_upload_failed"
  | "interrupted"
  | "surface_failed"
  | "adapter_failed"
  | "http_failed"
  | "command_invalid"
  | "internal";

export class PalaverError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PalaverError";
    this.code = code;
  }
}

export function isPalaverError(err: unknown, code?: ErrorCode): err is PalaverError {
  return err instanceof PalaverError && (code === undefined || err.code === code);
}

/** A short description of any thrown value for logs (never includes secrets: callers pass errors, not config). */
export function describeError(err: unknown): { code?: string; message: string } {
  if (err instanceof PalaverError) return { code: err.code, message: err.message };
  if (err instanceof Error) return { message: err.message };
  return { message: String(err) };
}
