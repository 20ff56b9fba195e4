// Who a message Palaver sends would notify on Slack.
//   - mrkdwn `text`: "<@U…>" mentions a user, "<!subteam^ID>" a user group, and "<!here>",
//     "<!channel>", "<!everyone>" are special mentions (docs.slack.dev/messaging/
//     formatting-message-text, "Mentioning users", "Mentioning groups", "Special mentions").
//     Bare "@here" is linked only with link_names, which Palaver never sets; the fake counts it
//     anyway, to be safe.
//   - markdown blocks: Slack does not document whether it expands these sequences there, so the
//     fake takes the cautious reading: the same sequences in the text a reader sees (code
//     excepted, which CommonMark shows literally) notify.
import type { Nodes } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import type { Block } from "./content.ts";

const SEQUENCES = /<!(here|channel|everyone|subteam\^[A-Z0-9]+)[|>]|<@[UW][A-Z0-9]+[|>]/g;
const BARE = /(^|[^\p{L}\p{N}_])@(here|channel|everyone)\b/gu;

/** Control sequences anywhere (Slack reads them even in code); bare words outside code. */
function found(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, " ").replace(/`[^`]*`/g, " ");
  return [...text.matchAll(SEQUENCES), ...prose.matchAll(BARE)].map((m) => m[0].trim());
}

function readerText(markdown: string): string {
  const parts: string[] = [];
  const visit = (n: Nodes): void => {
    if (n.type === "text" || n.type === "html") parts.push(n.value);
    if (n.type === "link") parts.push(n.url);
    if ("children" in n) n.children.forEach(visit);
  };
  visit(fromMarkdown(markdown));
  return parts.join(" ");
}

/** The mentions in a message's `text` and markdown blocks that would notify someone. */
export function slackPings(message: { text?: string; blocks?: Block[] }): string[] {
  const out = found(message.text ?? "");
  for (const b of message.blocks ?? []) {
    if (b.type === "markdown" && typeof b.text === "string") out.push(...found(readerText(b.text)));
  }
  return out;
}
