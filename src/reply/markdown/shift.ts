// A reused block sits elsewhere in the new text than where it was parsed: a copy of it with its
// source positions moved. Copies, because the original still belongs to the earlier text's tree
// (trees are shared, never changed).
import type { Nodes, Root } from "mdast";

type Position = NonNullable<Root["position"]>;
type Point = Position["start"];

/** A source point moved by `offset` characters and `lines` lines. */
export const shiftedPoint = (p: Point, offset: number, lines: number): Point => ({ line: p.line + lines, column: p.column, offset: p.offset! + offset });

/**
 * `node` moved by `offset` characters and `lines` lines. Only whole lines move (a reused block
 * starts at a line start in both texts), so columns stay.
 */
export function shifted<T extends Nodes>(node: T, offset: number, lines: number): T {
  if (offset === 0 && lines === 0) return node;
  const copy: Record<string, unknown> = { ...node };
  const position: Position | undefined = node.position;
  if (position) copy.position = { start: shiftedPoint(position.start, offset, lines), end: shiftedPoint(position.end, offset, lines) };
  if ("children" in node) copy.children = (node.children as Nodes[]).map((child) => shifted(child, offset, lines));
  return copy as T;
}
