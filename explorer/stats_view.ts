/**
 * The MemoryContextStats text view: the lines PostgreSQL would print for
 * `MemoryContextStats(TopMemoryContext)` at this step, one element each, with
 * the lines that differ from the previous step marked (a class whose marker
 * is drawn by CSS, so the element's text stays exactly PostgreSQL's line).
 */
const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** HTML of the stats lines, marking the ones not printed at the previous step. */
export function statsHtml(now: string[], before: string[] | null): string {
  const seen = new Map<string, number>();
  for (const l of before ?? []) seen.set(l, (seen.get(l) ?? 0) + 1);
  const lines = now.map((l) => {
    const k = seen.get(l) ?? 0;
    const changed = before !== null && k === 0;
    if (k > 0) seen.set(l, k - 1);
    return `<div class="sl${changed ? " changed" : ""}">${esc(l)}</div>`;
  });
  return lines.join("");
}
