// Slack Web API failures as Palaver sees them: the platform's `error` string when Slack answered
// `ok: false`, otherwise the transport's message.
import { webApi } from "@slack/bolt";
import { PalaverError } from "../../src/errors.ts";

export function slackErrorCode(err: unknown): string | undefined {
  if (err instanceof Error && "code" in err && err.code === webApi.ErrorCode.PlatformError) {
    const data = (err as webApi.WebAPIPlatformError).data;
    return typeof data.error === "string" ? data.error : "unknown_error";
  }
  return undefined;
}

export function describeSlackError(err: unknown): string {
  return slackErrorCode(err) ?? (err instanceof Error ? err.message : String(err));
}

/** A failed Web API call as the core's error (`surface_failed`), keeping the cause. */
export function surfaceFailure(method: string, err: unknown): PalaverError {
  if (err instanceof PalaverError) return err;
  return new PalaverError("surface_failed", `Slack ${method} failed: ${describeSlackError(err)}`, { cause: err });
}
