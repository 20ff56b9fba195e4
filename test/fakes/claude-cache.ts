// Prompt-cache simulation for the fake Claude server.
//
// The request is flattened in API prefix order (tools, system blocks, then each message's content
// blocks). Every block boundary has a prefix hash (model + canonical JSON of the blocks so far,
// cache_control stripped). Blocks carrying cache_control (or the last block, for a top-level
// cache_control) are breakpoints. Like the API, a lookup at a breakpoint also checks the ~20 block
// boundaries before it, so a conversation whose single breakpoint moves forward each turn still
// reads the previous turn's prefix. Breakpoint prefixes shorter than minCacheTokens are ignored.

import { createHash } from "node:crypto";
import { asBlocks, blockTokens, type CacheControl, type ContentBlockBody, type MessagesBody, type ToolBody } from "./claude-wire.ts";

export const LOOKBACK_BLOCKS = 20;
const ONE_HOUR_MS = 60 * 60 * 1000;

export interface CacheUsage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number };
}

interface FlatBlock {
  /** Hash of the prefix ending with this block. */
  hash: string;
  /** Tokens of the prefix ending with this block. */
  prefixTokens: number;
  breakpoint?: CacheControl;
}

interface Entry {
  expiresAt: number;
  ttlMs: number;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).filter((k) => k !== "cache_control").sort();
    const rec = value as Record<string, unknown>;
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(rec[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function flatten(body: MessagesBody): FlatBlock[] {
  const out: FlatBlock[] = [];
  let hash = createHash("sha256").update(`model:${body.model}`).digest("hex");
  let tokens = 0;
  const push = (tag: string, block: ContentBlockBody | ToolBody) => {
    hash = createHash("sha256").update(hash).update(tag).update(canonical(block)).digest("hex");
    tokens += blockTokens(block);
    out.push({ hash, prefixTokens: tokens, ...(block.cache_control ? { breakpoint: block.cache_control } : {}) });
  };
  for (const t of body.tools ?? []) push("tool:", t);
  if (body.system !== undefined) for (const b of asBlocks(body.system)) push("system:", b);
  for (const [i, m] of body.messages.entries()) {
    for (const [j, b] of asBlocks(m.content).entries()) push(j === 0 ? `msg${i}:${m.role}:` : "block:", b);
  }
  const last = out.at(-1);
  if (body.cache_control && last && !last.breakpoint) last.breakpoint = body.cache_control;
  return out;
}

export class PromptCache {
  private entries = new Map<string, Entry>();

  constructor(
    private readonly options: { minCacheTokens: number; cacheTtlMs: number; now: () => number },
  ) {}

  reset(): void {
    this.entries.clear();
  }

  /** Usage for one request; stores / refreshes the request's cacheable prefixes. */
  process(body: MessagesBody): CacheUsage {
    const now = this.options.now();
    const blocks = flatten(body);
    const total = blocks.at(-1)?.prefixTokens ?? 0;
    const breakpoints = blocks
      .map((b, index) => ({ ...b, index }))
      .filter((b) => b.breakpoint && b.prefixTokens >= this.options.minCacheTokens);

    // Longest cached prefix reachable from a breakpoint (itself or up to LOOKBACK_BLOCKS before it).
    let hit: { index: number; entry: Entry } | undefined;
    for (const bp of breakpoints) {
      for (let i = bp.index; i >= 0 && i > bp.index - LOOKBACK_BLOCKS; i--) {
        if (hit && i <= hit.index) break;
        const entry = this.entries.get(blocks[i]!.hash);
        if (entry && entry.expiresAt > now) {
          hit = { index: i, entry };
          break;
        }
      }
    }
    const read = hit ? blocks[hit.index]!.prefixTokens : 0;
    if (hit) hit.entry.expiresAt = now + hit.entry.ttlMs;

    // Write every breakpoint prefix; tokens past the hit are billed as creation, by TTL.
    const creation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 };
    let covered = read;
    for (const bp of breakpoints) {
      const ttlMs = bp.breakpoint?.ttl === "1h" ? ONE_HOUR_MS : this.options.cacheTtlMs;
      const existing = this.entries.get(bp.hash);
      if (!existing || existing.expiresAt <= now || existing.ttlMs < ttlMs) {
        this.entries.set(bp.hash, { expiresAt: now + ttlMs, ttlMs });
      } else {
        existing.expiresAt = now + existing.ttlMs;
      }
      if (bp.prefixTokens > covered) {
        const key = ttlMs >= ONE_HOUR_MS ? "ephemeral_1h_input_tokens" : "ephemeral_5m_input_tokens";
        creation[key] += bp.prefixTokens - covered;
        covered = bp.prefixTokens;
      }
    }
    const created = creation.ephemeral_5m_input_tokens + creation.ephemeral_1h_input_tokens;
    return {
      input_tokens: total - read - created,
      cache_creation_input_tokens: created,
      cache_read_input_tokens: read,
      cache_creation: creation,
    };
  }
}
