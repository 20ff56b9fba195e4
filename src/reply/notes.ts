// Everything Palaver says on its own (as opposed to Claude's words) lives here, so the wording is
// consistent across platforms and easy to review. Notes are short and only appear when something
// happened; a normal reply is Claude's text alone.
import type { ErrorCode } from "../errors.ts";

export const HINT_EMPTY_MESSAGE =
  "Hi! Ask me something after the mention, e.g. “@Palaver summarise this thread”. Admins: `/palaver help`.";

export function droppedNote(dropped: number): string {
  return dropped === 1
    ? "_(1 earlier message was left out to fit the model's context window.)_"
    : `_(${dropped} earlier messages were left out to fit the model's context window.)_`;
}

export const TRUNCATED_INPUT_NOTE = "_(Your message was too long for the model, so I read only its beginning.)_";
export const MAX_TOKENS_NOTE =
  "_(Cut off: the reply reached its length limit. Say “continue” and I'll go on.)_";
export const REFUSAL_TEXT = "Claude declined to answer this request.";
export const REFUSAL_NOTE = "_(Claude stopped here and declined to continue.)_";
export const INTERRUPTED_NOTE =
  "_(Interrupted: Palaver stopped before finishing this reply. Ask again for a complete answer.)_";
export const STREAM_BROKE_NOTE =
  "_(Interrupted: Claude stopped sending this reply partway through. Ask again for a complete answer.)_";
export const FAILED_NOTE =
  "_(Something went wrong on Palaver's side, so this reply stops here. Please ask again.)_";
export const NOTHING_READABLE_TEXT =
  "I could not read the file you sent, so there is nothing for me to answer yet. I read images (JPEG, PNG, GIF, WebP), PDFs and text files; send one of those, or ask in words.";
export const EMPTY_REPLY_TEXT = "_(Claude returned an empty reply. Try rephrasing your message.)_";

/** Web sources listed under a reply: numbered links with titles, at most this many. */
const MAX_SOURCES_LISTED = 8;
const MAX_SOURCE_TITLE_CHARS = 60;

/** The pages Claude cited, compactly: "Sources: 1. [Title](url) · 2. …" (citations must be shown, §5.1). */
export function sourcesNote(sources: { url: string; title: string }[]): string {
  const listed = sources.slice(0, MAX_SOURCES_LISTED).map((s, i) => {
    const title = (s.title.trim() || new URL(s.url).hostname).replace(/[[\]]/g, "");
    const short = title.length > MAX_SOURCE_TITLE_CHARS ? `${title.slice(0, MAX_SOURCE_TITLE_CHARS - 1)}…` : title;
    return `${i + 1}. [${short}](${s.url})`;
  });
  const more = sources.length > MAX_SOURCES_LISTED ? ` (+${sources.length - MAX_SOURCES_LISTED} more)` : "";
  return `Sources: ${listed.join(" · ")}${more}`;
}

/** Web search and fetch errors arrive inside a 200 response (web search tool doc): say so plainly. */
const WEB_ERROR_WORDS: Record<string, string> = {
  unavailable: "the search service was unavailable",
  too_many_requests: "too many searches at once",
  max_uses_exceeded: "the limit of searches for one reply was reached",
  query_too_long: "the search query was too long",
  url_not_accessible: "a page could not be reached",
  url_not_allowed: "a page was not allowed",
  url_not_in_prior_context: "a page was not linked in the conversation, so it could not be read",
  unsupported_content_type: "a page's type could not be read",
};

export function webErrorNote(codes: string[]): string {
  const words = [...new Set(codes)].map((c) => WEB_ERROR_WORDS[c] ?? `an error (${c})`);
  return `_(The web search did not fully work: ${words.join("; ")}. Parts of this answer may rest on what Claude already knew.)_`;
}

/** What the user sees when a request fails before any text. Details go to the log only. */
export function errorText(code: ErrorCode, model: string): string {
  switch (code) {
    case "claude_auth":
    case "claude_permission":
      return "Palaver's Claude API key is not working; ask an admin.";
    case "claude_rate_limited":
      return "Claude is rate-limiting Palaver right now and retries did not help; please try again in a minute.";
    case "claude_overloaded":
      return "Claude is overloaded right now; please try again in a minute.";
    case "claude_server":
    case "claude_connection":
      return "Palaver could not reach Claude; please try again shortly.";
    case "claude_not_found":
      return `The model configured here (\`${model}\`) was not found; ask an admin to check \`/palaver model\`.`;
    case "claude_context_exceeded":
      return "This conversation is too long for the model even after leaving out earlier messages; please start a new thread.";
    case "claude_bad_request":
      return "Claude rejected this request; an admin can find the details in Palaver's log.";
    default:
      return "Something went wrong while answering; please try again.";
  }
}

/** `npm start` with no platform credentials. */
export const NO_PLATFORM_MESSAGE = [
  "palaver: no chat platform is configured, so there is nothing to connect to.",
  "  Slack (Socket Mode): set SLACK_BOT_TOKEN and SLACK_APP_TOKEN",
  "  Slack (HTTP):        set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (and PORT)",
  "  Discord:             set DISCORD_BOT_TOKEN",
  "Put them in .env (see .env.example). To try Palaver without either, run: npm run chat",
].join("\n");
