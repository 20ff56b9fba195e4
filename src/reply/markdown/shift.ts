// A reused block sits elsewhere in the new text than where it was parsed: a copy of it with its
// source positions moved. Copies, because the original still belongs to the earlier text's tree
// (trees are shared, never changed).
import type { Nodes, Root } from "mdast";

type Position = NonNullable<Root["position"]>;
type Point = Position["start"];

/** A source point moved by `offset` characters and `lines` lines. */
export const shiftedPoint = (p: Point, offset: number, lines: number): Point => ({ line: p.line + lines, column: p.column, offset: p.offset! + offset });

/** Each moved copy's original, so what was worked out for a block (its printed lines) serves its copies. */
const originals = new WeakMap<Nodes, Nodes>();

/** The block `node` is a moved copy of, or `node` itself. */
export function originalOf(node: Nodes): Nodes {
  return originals.get(node) ?? node;
}

function copy<T extends Nodes>(node: T, offset: number, lines: number): T {
  const out: Record<string, unknown> = { ...node };
  const position: Position | undefined = node.position;
  if (position) out.position = { start: shiftedPoint(position.start, offset, lines), end: shiftedPoint(position.end, offset, lines) };
  if ("children" in node) out.children = (node.children as Nodes[]).map((child) => copy(child, offset, lines));
  return out as T;
}

/**
 * Block `node` moved by `offset` characters and `lines` lines. Only whole lines move (a reused
 * block starts at a line start in both texts), so columns stay.
 */
export function shifted<T extends Nodes>(node: T, offset: number, lines: number): T {
  if (offset === 0 && lines === 0) return node;
  const moved = copy(node, offset, lines);
  originals.set(moved, originalOf(node));
  return moved;
}
