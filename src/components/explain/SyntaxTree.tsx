// A binary tree over words drawn as SVG: words along the bottom, each split above its span.
import type { TreeNode } from '../../tasks/explain';

interface Placed {
  node: TreeNode;
  x: number;
  y: number;
  children: Placed[];
}

const CHAR_W = 17;
const GAP = 14;
const LEVEL = 34;

function height(n: TreeNode): number {
  return n.children.length === 0 ? 0 : 1 + Math.max(...n.children.map(height));
}

/** x: leaves left to right at their text widths, an inner node centred over its children. */
function place(node: TreeNode, leafX: { at: number }): Placed {
  if (node.children.length === 0) {
    const w = Math.max([...node.text].length * CHAR_W, CHAR_W);
    const x = leafX.at + w / 2;
    leafX.at += w + GAP;
    return { node, x, y: 0, children: [] };
  }
  const children = node.children.map((c) => place(c, leafX));
  return { node, x: (children[0]!.x + children[children.length - 1]!.x) / 2, y: 0, children };
}

/** Inner nodes sit one level above their taller child; leaves all on the bottom row. */
function levelY(p: Placed, bottom: number): void {
  if (p.children.length === 0) {
    p.y = bottom;
    return;
  }
  p.children.forEach((c) => levelY(c, bottom));
  p.y = bottom - height(p.node) * LEVEL;
}

function flatten(p: Placed, out: Placed[] = []): Placed[] {
  out.push(p);
  p.children.forEach((c) => flatten(c, out));
  return out;
}

export function SyntaxTree({ tree }: { tree: TreeNode }) {
  const leafX = { at: 8 };
  const root = place(tree, leafX);
  const bottom = 16 + height(tree) * LEVEL;
  levelY(root, bottom);
  const all = flatten(root);
  return (
    <svg className="seg-tree" data-testid="syntax-tree" width={Math.max(leafX.at, 60)} height={bottom + 28} role="img" aria-label={tree.text}>
      {all.flatMap((p) =>
        p.children.map((c, k) => <path key={`${p.node.start}-${p.node.end}-${k}`} d={`M${p.x},${p.y} L${c.x},${p.y + LEVEL / 2} L${c.x},${c.y}`} fill="none" stroke="#5b6577" />),
      )}
      {all.map((p) =>
        p.children.length === 0 ? (
          <text key={`w${p.node.start}`} x={p.x} y={p.y + 18} textAnchor="middle" className="seg-tree-leaf" data-testid="tree-leaf">{p.node.text}</text>
        ) : (
          <circle key={`n${p.node.start}-${p.node.end}`} cx={p.x} cy={p.y} r={4} fill="#3a6ff7" data-testid="tree-node">
            <title>{p.node.text}</title>
          </circle>
        ),
      )}
    </svg>
  );
}
