/**
 * The context tree view: one table row per context in MemoryContextStats
 * order, indented by depth, with its type (colour, pattern and written
 * label), its counters, the context the step acts on marked `▶`, and what
 * the step changed marked `new` / `changed`, with the contexts it deleted
 * listed below. Rows carry `data-name` and `data-counters` for tests.
 */
import { TYPE_STYLE } from "./heap_svg.ts";
import type { TreeNode } from "./stepper.ts";

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The counters of a node as one comparable string. */
export function countersKey(n: TreeNode): string {
  return `${n.nblocks} ${n.freechunks} ${n.totalspace} ${n.freespace} ${n.memAllocated}`;
}

/** HTML of the tree at `now`, marking differences from `before` (null: nothing marked). */
export function treeHtml(
  now: TreeNode[],
  before: TreeNode[] | null,
  acting: string | null,
): string {
  const prev = new Map((before ?? []).map((n) => [n.name, n]));
  const rows = now.map((n) => {
    const st = TYPE_STYLE[n.type];
    const old = prev.get(n.name);
    const mark = before === null
      ? ""
      : old === undefined
      ? `<span class="mark new">new</span>`
      : countersKey(old) !== countersKey(n) || old.parent !== n.parent
      ? `<span class="mark changed">changed</span>`
      : "";
    const used = n.totalspace - n.freespace;
    return `<tr class="${n.name === acting ? "acting" : ""}" data-name="${
      esc(n.name)
    }" data-counters="${countersKey(n)}" data-level="${n.level}">` +
      `<td class="name" style="padding-left:${0.3 + n.level * 1.1}em">` +
      `${n.name === acting ? '<b class="here" title="the step acts here">▶</b> ' : ""}` +
      `<span class="swatch ${st ? "t-" + st.label.toLowerCase() : ""}" title="${
        st?.label ?? n.type
      }"></span>` +
      `<span class="cname">${esc(n.name)}</span>${
        n.ident ? ` <span class="ident">${esc(n.ident)}</span>` : ""
      } ${mark}</td>` +
      `<td class="type">${st?.label ?? n.type}</td>` +
      `<td class="num">${n.nblocks}</td><td class="num">${n.totalspace}</td>` +
      `<td class="num">${n.freespace}</td><td class="num">${n.freechunks}</td><td class="num">${used}</td></tr>`;
  });
  const gone = before === null
    ? []
    : before.filter((o) => !now.some((n) => n.name === o.name)).map((o) => o.name);
  return `<table class="tree"><thead><tr><th>context</th><th>type</th><th title="blocks">blk</th>` +
    `<th title="total bytes">total</th><th title="free bytes">free</th><th title="free chunks">fch</th>` +
    `<th title="used bytes">used</th></tr></thead><tbody>${rows.join("")}</tbody></table>` +
    (gone.length > 0
      ? `<p class="gone">deleted by this step: ${
        gone.map((g) => `<b>${esc(g)}</b>`).join(", ")
      }</p>`
      : "");
}
