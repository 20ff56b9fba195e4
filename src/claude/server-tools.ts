// Claude's web server tools (platform-facts-2.md §5.1–5.2, web search and web fetch tool docs):
// the tool definitions we send, and what a streamed response tells us about them: a search
// starting ("searching the web…"), its results or its error (errors come inside the HTTP 200
// response, as a result block), the pages the answer cites, and the content to send back unchanged
// when the API pauses a long turn (`pause_turn`).
import type Anthropic from "@anthropic-ai/sdk";

export interface WebSource {
  url: string;
  title: string;
}

export const SEARCHING_STATUS = "searching the web…";
export const FETCHING_STATUS = "reading a web page…";

/**
 * web_search_20250305 and web_fetch_20250910: the basic versions, which every model on Palaver's
 * list takes (the newer ones need Claude 4.6+ or code execution, §5.1). Web fetch only follows URLs
 * already in the conversation ("url_not_in_prior_context" otherwise, §5.2).
 */
export function webTools(maxUses: number): Anthropic.ToolUnion[] {
  return [
    { type: "web_search_20250305", name: "web_search", max_uses: maxUses },
    { type: "web_fetch_20250910", name: "web_fetch", max_uses: maxUses },
  ];
}

type Block = Record<string, unknown> & { type: string };

/** Follows the content blocks of one reply across its (continued) requests. */
export class ServerToolTracker {
  readonly sources: WebSource[] = [];
  readonly errors: string[] = [];
  /** Blocks of the current request, by index, as the API streamed them. */
  private blocks: Block[] = [];
  /** Blocks of earlier requests of this reply (paused turns), already complete. */
  private earlier: Block[] = [];
  private partialJson = new Map<number, string>();

  constructor(private readonly onStatus?: (status: string | undefined) => void) {}

  onEvent(event: Anthropic.RawMessageStreamEvent): void {
    switch (event.type) {
      case "message_start":
        this.earlier = [...this.earlier, ...this.blocks];
        this.blocks = [];
        this.partialJson.clear();
        break;
      case "content_block_start": {
        const block = structuredClone(event.content_block) as unknown as Block;
        this.blocks[event.index] = block;
        this.started(block);
        break;
      }
      case "content_block_delta": {
        const block = this.blocks[event.index];
        if (!block) break;
        const d = event.delta;
        if (d.type === "text_delta" && typeof block.text === "string") block.text += d.text;
        else if (d.type === "input_json_delta") this.partialJson.set(event.index, (this.partialJson.get(event.index) ?? "") + d.partial_json);
        else if (d.type === "citations_delta") {
          block.citations = [...((block.citations as unknown[] | null | undefined) ?? []), d.citation];
          if (d.citation.type === "web_search_result_location") this.cite(d.citation.url, d.citation.title ?? d.citation.url);
        }
        break;
      }
      case "content_block_stop": {
        const json = this.partialJson.get(event.index);
        const block = this.blocks[event.index];
        if (block && json !== undefined) {
          try {
            block.input = JSON.parse(json) as unknown;
          } catch {
            // A cut stream: the block is incomplete and will not be sent back anyway.
          }
        }
        break;
      }
      default:
        break;
    }
  }

  /** Everything the reply's assistant turn holds so far, to send back after a pause_turn. */
  pausedContent(): Anthropic.ContentBlockParam[] {
    return [...this.earlier, ...this.blocks].filter((b) => b !== undefined && !(b.type === "text" && b.text === "")) as unknown as Anthropic.ContentBlockParam[];
  }

  private started(block: Block): void {
    if (block.type === "server_tool_use") {
      this.onStatus?.(block.name === "web_fetch" ? FETCHING_STATUS : SEARCHING_STATUS);
      return;
    }
    if (block.type === "web_search_tool_result" || block.type === "web_fetch_tool_result") {
      this.onStatus?.(undefined);
      const content = block.content as { type?: string; error_code?: string } | unknown[] | undefined;
      if (content && !Array.isArray(content) && typeof content.type === "string" && content.type.endsWith("_error")) {
        this.errors.push(content.error_code ?? "unknown");
      }
      return;
    }
    // A text block may start with its citations already in place.
    for (const c of (block.citations as { type?: string; url?: string; title?: string | null }[] | null | undefined) ?? []) {
      if (c.type === "web_search_result_location" && c.url) this.cite(c.url, c.title ?? c.url);
    }
  }

  private cite(url: string, title: string): void {
    if (!this.sources.some((s) => s.url === url)) this.sources.push({ url, title });
  }
}
