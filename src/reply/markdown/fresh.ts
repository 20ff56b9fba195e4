// Claude writes CommonMark with GitHub's extensions (tables, strikethrough, task lists, autolinked
// URLs). Every platform printer starts from this one syntax tree, so a construct means the same
// thing everywhere and nothing is guessed with regular expressions over Markdown.
// This is the parser itself; callers go through parse.ts, which reuses earlier parses.
import type { Root } from "mdast";
import { fromMarkdown } from "mdast-util-from-markdown";
import { gfmFromMarkdown } from "mdast-util-gfm";
import { gfm } from "micromark-extension-gfm";

/** The extensions hold no state between parses, so they are built once (a reused text's tail is small: their cost showed). */
const OPTIONS = { extensions: [gfm()], mdastExtensions: [gfmFromMarkdown()] };

/** The mdast tree of `markdown`, with source positions (offsets into `markdown`), parsed from scratch. */
export function parseFresh(markdown: string): Root {
  return fromMarkdown(markdown, OPTIONS);
}
