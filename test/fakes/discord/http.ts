// Plumbing for the fake Discord's REST API: request records, JSON bodies, errors shaped like
// Discord's ({code, message} with an HTTP status; discord.com/developers/docs/topics/opcodes-and-status-codes#json).

export interface RestRequest {
  method: string;
  /** The route below /api/v10, e.g. "/channels/1/messages". */
  path: string;
  params: string[];
  query: URLSearchParams;
  body: unknown;
}

export interface RestResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RestCall {
  at: number;
  method: string;
  path: string;
  query: string;
  body: unknown;
  status: number;
}

/** JSON error codes the fake uses. */
export const ErrorCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  UnknownInteraction: 10062,
  MissingAccess: 50001,
  CannotEditOtherUsersMessage: 50005,
  CannotSendEmptyMessage: 50006,
  MissingPermissions: 50013,
  InvalidFormBody: 50035,
  InteractionAlreadyAcknowledged: 40060,
  ThreadAlreadyCreated: 160004,
} as const;

export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors?: unknown,
  ) {
    super(message);
  }
}

export function formError(field: string, code: string, message: string): RestError {
  return new RestError(400, ErrorCode.InvalidFormBody, "Invalid Form Body", {
    [field]: { _errors: [{ code, message }] },
  });
}

export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** Message content rules: at most 2,000 characters (platform-facts.md), not empty. */
export const MAX_CONTENT_LENGTH = 2000;

export function checkContent(content: unknown, required: boolean): string | undefined {
  if (content === undefined || content === null) {
    if (required) throw new RestError(400, ErrorCode.CannotSendEmptyMessage, "Cannot send an empty message");
    return undefined;
  }
  if (typeof content !== "string") throw formError("content", "STRING_TYPE_CONVERT", "Could not interpret as string.");
  if (content.length > MAX_CONTENT_LENGTH) {
    throw formError("content", "BASE_TYPE_MAX_LENGTH", `Must be ${MAX_CONTENT_LENGTH} or fewer in length.`);
  }
  if (required && content.trim() === "") throw new RestError(400, ErrorCode.CannotSendEmptyMessage, "Cannot send an empty message");
  return content;
}
