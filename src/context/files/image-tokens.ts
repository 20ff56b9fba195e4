// What an image costs in tokens, computed the way the API bills it (platform-facts-2.md §1.2–1.3,
// https://platform.claude.com/docs/en/build-with-claude/vision): the image is first scaled down to
// the model's native resolution (a longest edge and a token budget), then every 28×28 patch is one
// token: ⌈w/28⌉ × ⌈h/28⌉.

/** "Each patch is a 28×28 pixel block" (vision doc). */
export const IMAGE_PATCH_PX = 28;

export interface NativeResolution {
  maxEdgePx: number;
  maxTokens: number;
}

/**
 * Opus 4.7, Opus 4.8, Fable 5 and Mythos 5 take up to 2576 px / 4784 tokens; other models 1568 px /
 * 1568 tokens (vision doc). Sonnet 5 and Opus 5 are not listed there (UNCONFIRMED): we assume the
 * larger budget, so the estimate errs high.
 */
const LARGE_NATIVE: NativeResolution = { maxEdgePx: 2576, maxTokens: 4784 };
const STANDARD_NATIVE: NativeResolution = { maxEdgePx: 1568, maxTokens: 1568 };
const LARGE_NATIVE_MODELS = /^claude-(opus-4-[78]|opus-5|sonnet-5|fable|mythos)/;

export function nativeResolution(model: string): NativeResolution {
  return LARGE_NATIVE_MODELS.test(model) ? LARGE_NATIVE : STANDARD_NATIVE;
}

export function patchTokens(width: number, height: number): number {
  return Math.ceil(width / IMAGE_PATCH_PX) * Math.ceil(height / IMAGE_PATCH_PX);
}

/**
 * The size the API scales an image to: the largest long edge (≤ maxEdgePx, never upscaled) whose
 * patch count fits maxTokens, found by binary search as in the vision doc's reference algorithm.
 */
export function resizedSize(width: number, height: number, native: NativeResolution): { width: number; height: number } {
  const long = Math.max(width, height);
  const scaled = (edge: number) => ({
    width: Math.max(1, Math.round((width * edge) / long)),
    height: Math.max(1, Math.round((height * edge) / long)),
  });
  const fits = (edge: number) => {
    const s = scaled(edge);
    return patchTokens(s.width, s.height) <= native.maxTokens;
  };
  let hi = Math.min(long, native.maxEdgePx);
  if (fits(hi)) return hi === long ? { width, height } : scaled(hi);
  let lo = 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return scaled(lo);
}

/** Tokens one image costs on `model`. */
export function imageTokens(width: number, height: number, model: string): number {
  const s = resizedSize(width, height, nativeResolution(model));
  return patchTokens(s.width, s.height);
}
