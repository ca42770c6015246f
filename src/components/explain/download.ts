// Saving what the explanation views show: JSON of the task result, PNG of the attributions
// drawn on a canvas (the same colours and numbers as the page).
import type { AttributeResult } from '../../tasks/explain';
import { divergingColor, fmt, maxAbs } from './colors';
import { paintRuns } from './paint';
import { downloadBlob } from '../download';

export function downloadJson(value: unknown, filename: string): void {
  downloadBlob(new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' }), filename);
}

const WIDTH = 960;
const PAD = 16;
const FONT = '16px system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif';
const SMALL = '13px system-ui, "Noto Sans CJK SC", "PingFang SC", sans-serif';

/** One box per painted piece, wrapped to the canvas width; returns the height used. */
function drawPainted(ctx: CanvasRenderingContext2D, r: AttributeResult, top: number, scale: number): number {
  ctx.font = FONT;
  let x = PAD;
  let y = top;
  const lineH = 28;
  const box = (text: string, value: number | null) => {
    const w = ctx.measureText(text).width + (value === null ? 0 : 4);
    if (x + w > WIDTH - PAD) {
      x = PAD;
      y += lineH;
    }
    if (value !== null) {
      const c = divergingColor(value, scale);
      ctx.fillStyle = c.background;
      ctx.fillRect(x, y, w, lineH - 4);
      ctx.fillStyle = c.color;
    } else {
      ctx.fillStyle = '#1d2430';
    }
    ctx.fillText(text, x + (value === null ? 0 : 2), y + 18);
    x += w + 1;
  };
  for (const seq of r.sequences) {
    for (const run of paintRuns(seq)) {
      if (run.kind === 'special') box(seq.tokens[run.token]!, seq.attributions[run.token]!);
      else for (const p of run.pieces) box(p.text, p.token === null ? null : seq.attributions[p.token]!);
      x += 4;
    }
    x = PAD;
    y += lineH + 6;
  }
  return y - top;
}

/** Horizontal bars around a centre axis, one row per token. */
function drawBars(ctx: CanvasRenderingContext2D, r: AttributeResult, top: number, scale: number): number {
  const rowH = 20;
  const labelW = 120;
  const mid = labelW + (WIDTH - labelW - PAD * 2) / 2;
  const half = (WIDTH - labelW - PAD * 2) / 2 - 60;
  let y = top;
  ctx.font = SMALL;
  for (const seq of r.sequences) {
    seq.tokens.forEach((tok, t) => {
      const v = seq.attributions[t]!;
      const w = (Math.abs(v) / scale) * half;
      ctx.fillStyle = '#1d2430';
      ctx.fillText(tok, PAD, y + 14);
      ctx.fillStyle = divergingColor(v, scale).background;
      ctx.fillRect(v >= 0 ? mid : mid - w, y + 3, Math.max(w, 1), rowH - 6);
      ctx.fillStyle = '#5b6577';
      ctx.fillText(fmt(v), v >= 0 ? mid + w + 4 : mid - w - ctx.measureText(fmt(v)).width - 4, y + 14);
      y += rowH;
    });
    y += 8;
  }
  ctx.strokeStyle = '#9aa4b5';
  ctx.beginPath();
  ctx.moveTo(mid, top);
  ctx.lineTo(mid, y);
  ctx.stroke();
  return y - top;
}

/** The attributions as a PNG: header with F and the gap, painted text, bars. */
export async function attributionPng(r: AttributeResult, labels: { gap: string; sum: string }): Promise<Blob> {
  const tokens = r.sequences.reduce((n, s) => n + s.tokens.length, 0);
  const canvas = document.createElement('canvas');
  canvas.width = WIDTH;
  canvas.height = 120 + 28 * 6 + tokens * 20 + r.sequences.length * 40;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This browser cannot draw on a canvas.');
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#1d2430';
  ctx.font = FONT;
  ctx.fillText(`F = ${r.targetLabel}   (${r.steps} steps, ${r.rule}, ${r.baseline} baseline)`, PAD, 28);
  ctx.font = SMALL;
  ctx.fillText(`F(x) = ${fmt(r.fX)}   F(x′) = ${fmt(r.fBaseline)}   ${labels.sum} = ${fmt(r.sum)}   ${labels.gap} = ${fmt(r.completenessGap)}`, PAD, 50);
  const scale = maxAbs(r.sequences.flatMap((s) => s.attributions));
  let y = 66;
  y += drawPainted(ctx, r, y, scale) + 10;
  y += drawBars(ctx, r, y, scale);
  const out = document.createElement('canvas');
  out.width = WIDTH;
  out.height = Math.ceil(y + PAD);
  out.getContext('2d')!.drawImage(canvas, 0, 0);
  return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error('The PNG could not be encoded.'))), 'image/png'));
}
