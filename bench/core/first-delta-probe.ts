// When did the model's first token reach Palaver? Measured without touching src/: the Claude SDK
// takes `globalThis.fetch` when the client is constructed (node_modules/@anthropic-ai/sdk
// internal/shims.js getDefaultFetch), so installing this probe before App.create() puts a
// pass-through TransformStream on every response body. The probe stamps performance.now() when
// the bytes of the first `text_delta` event come out of the socket, before the SDK's SSE parser,
// the renderer or the surface see them. So "first token → first visible text" measured from
// here is everything Palaver does with a token, and nothing of the model's or the network's time.
// Cost of the probe itself: one extra stream hop and a substring search per chunk (microseconds).
//
// Requests are told apart by a marker "[bench:<key>]" in the user's message: the probe keys each
// response by the last marker in its request body (the newest user message comes last).
import { performance } from "node:perf_hooks";

const MARKER = /\[bench:([^\]]+)\]/g;
const NEEDLE = '"text_delta"';

export function marker(key: string): string {
  return `[bench:${key}]`;
}

export class FirstDeltaProbe {
  private readonly firstDeltaAt = new Map<string, number>();
  private original?: typeof fetch;

  install(): void {
    const original = globalThis.fetch;
    this.original = original;
    const stamp = (key: string, at: number) => {
      if (!this.firstDeltaAt.has(key)) this.firstDeltaAt.set(key, at);
    };
    globalThis.fetch = async (input, init) => {
      const response = await original(input, init);
      const body = typeof init?.body === "string" ? init.body : "";
      const keys = [...body.matchAll(MARKER)];
      const key = keys.at(-1)?.[1];
      if (!key || !response.body) return response;
      const decoder = new TextDecoder();
      let tail = "";
      let found = false;
      const tap = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          if (!found) {
            const text = tail + decoder.decode(chunk, { stream: true });
            if (text.includes(NEEDLE)) {
              found = true;
              stamp(key, performance.now());
            } else {
              tail = text.slice(-NEEDLE.length);
            }
          }
          controller.enqueue(chunk);
        },
      });
      return new Response(response.body.pipeThrough(tap), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    };
  }

  uninstall(): void {
    if (this.original) globalThis.fetch = this.original;
  }

  /** performance.now() when the first text delta of the request marked `key` arrived. */
  at(key: string): number | undefined {
    return this.firstDeltaAt.get(key);
  }
}
