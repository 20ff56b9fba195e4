// The fake Claude's web search, streamed as the API streams it (web search tool doc,
// platform-facts-2.md §5.1): a `server_tool_use` block (input `{}` at start, the query in
// `input_json_delta`), a pause while the search runs, a `web_search_tool_result` block carrying
// every result at once (no deltas) — or, on failure, `{type: "web_search_tool_result_error",
// error_code}` inside the HTTP 200 response — then text with `citations_delta` events. Results carry
// `encrypted_content`, which the client must send back unchanged on later turns ("missing/modified
// → 400"); usage counts the search in `server_tool_use.web_search_requests`.
import { createHash } from "node:crypto";
import { pause } from "./claude-reply.ts";
import type { MessagesBody } from "./claude-wire.ts";

export interface FakeSearch {
  query: string;
  results?: { url: string; title: string }[];
  /** Fail the search this way (e.g. "unavailable"), inside the 200 response. */
  errorCode?: string;
  /** How long the search "runs" between the two blocks (default 0). */
  delayMs?: number;
}

export type Send = (event: string, data: unknown) => void;

/** Whether the request offers the web search server tool (a script's search runs only then). */
export function offersWebSearch(body: MessagesBody): boolean {
  return (body.tools ?? []).some((t) => t.name === "web_search" && typeof t.type === "string" && t.type.startsWith("web_search_"));
}

export function encryptedContent(url: string): string {
  return `enc_${createHash("sha256").update(url).digest("hex").slice(0, 24)}`;
}

/** Stream the two search blocks at index 0 and 1; false when the client went away meanwhile. */
export async function streamSearch(send: Send, search: FakeSearch, n: number, signal: AbortSignal): Promise<boolean> {
  const id = `srvtoolu_fake_${n}`;
  send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "server_tool_use", id, name: "web_search", input: {} } });
  const json = JSON.stringify({ query: search.query });
  const half = Math.ceil(json.length / 2);
  for (const part of [json.slice(0, half), json.slice(half)]) {
    send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "input_json_delta", partial_json: part } });
  }
  send("content_block_stop", { type: "content_block_stop", index: 0 });
  if (!(await pause(search.delayMs ?? 0, signal))) return false;
  const content = search.errorCode
    ? { type: "web_search_tool_result_error", error_code: search.errorCode }
    : (search.results ?? []).map((r) => ({ type: "web_search_result", url: r.url, title: r.title, encrypted_content: encryptedContent(r.url), page_age: "1 day ago" }));
  send("content_block_start", { type: "content_block_start", index: 1, content_block: { type: "web_search_tool_result", tool_use_id: id, content } });
  send("content_block_stop", { type: "content_block_stop", index: 1 });
  return true;
}

/** The citation the answer's text carries for a result. */
export function citation(r: { url: string; title: string }): Record<string, unknown> {
  return { type: "web_search_result_location", url: r.url, title: r.title, encrypted_index: `idx_${encryptedContent(r.url)}`, cited_text: `About ${r.title}` };
}

/**
 * A 400 for search blocks sent back altered: every result must carry the encrypted_content the
 * fake issued for its URL. Also: a paused assistant turn is the one assistant message allowed last
 * ("stop_reason: pause_turn: resend the paused assistant message unchanged to continue").
 */
export function checkSearchBlocks(body: MessagesBody): string | undefined {
  for (const [i, m] of body.messages.entries()) {
    if (typeof m.content === "string") continue;
    for (const [j, b] of m.content.entries()) {
      if (b.type !== "web_search_tool_result" || !Array.isArray(b.content)) continue;
      for (const r of b.content as { url?: string; encrypted_content?: string }[]) {
        if (!r.url || r.encrypted_content !== encryptedContent(r.url)) return `messages.${i}.content.${j}: encrypted_content is missing or was modified`;
      }
    }
  }
  return undefined;
}

/** The last message may be assistant only when it is a paused server-tool turn. */
export function isPausedTurn(content: unknown): boolean {
  return Array.isArray(content) && content.some((b: { type?: unknown }) => b.type === "server_tool_use");
}
