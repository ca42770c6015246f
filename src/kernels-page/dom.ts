// Minimal DOM helpers for the kernels page (plain DOM, no framework).

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string> = {}, text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

/** A table with a header row; returns the table and its body. */
export function table(columns: string[], attrs: Record<string, string> = {}): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const t = el('table', attrs);
  const head = el('thead');
  const tr = el('tr');
  for (const c of columns) tr.append(el('th', {}, c));
  head.append(tr);
  const body = el('tbody');
  t.append(head, body);
  return { table: t, body };
}

export function appendRow(body: HTMLTableSectionElement, cells: string[], attrs: Record<string, string> = {}): HTMLTableRowElement {
  const tr = el('tr', attrs);
  for (const c of cells) tr.append(el('td', {}, c));
  body.append(tr);
  return tr;
}

/** Gives the browser a chance to paint between long synchronous steps. */
export function nextFrame(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export function exp(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toExponential(digits) : String(x);
}
