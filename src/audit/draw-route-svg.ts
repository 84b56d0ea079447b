/**
 * The route a run took, drawn on its runbook's statechart as inline SVG: self-contained, no
 * script, no fetch, so a report opened offline years later (or attached to a ticket) still shows it.
 *
 * Layout, done here rather than by a layout library because the runbook already gives the order
 * that reads best — its steps, top to bottom, as the author wrote them: one box per step; the
 * transitions the run took are bold arrows (a straight one to the next step, an arc on the right
 * for a jump), the ones it could have taken are faint arcs on the left. Steps that changed
 * something carry a badge; skipped steps are dashed; steps never reached are grey.
 */
import type { ChangeRow, ReportGraph } from './report-types.js';

const ROW = 30;
const BOX_H = 22;
const BOX_W = 470;
const LEFT = 170;
const TOP = 58;

export interface RouteDrawing {
  svg: string;
  /** Steps drawn as taken (for tests). */
  taken: string[];
}

/**
 * @example
 * const { svg } = drawRouteSvg(report.graph!, report.route, report.changes);
 */
export function drawRouteSvg(graph: ReportGraph, route: ReadonlyArray<{ step: string; result: string }>, changes: readonly ChangeRow[]): RouteDrawing {
  const index = new Map(graph.steps.map((s, i) => [s.id, i]));
  const y = (i: number): number => TOP + i * ROW;
  const mid = (i: number): number => y(i) + BOX_H / 2;
  const visits = new Map<string, { order: number[]; result: string }>();
  route.forEach((r, k) => {
    const v = visits.get(r.step) ?? { order: [], result: r.result };
    v.order.push(k + 1);
    v.result = r.result;
    visits.set(r.step, v);
  });
  const changed = new Map<string, number>();
  for (const c of changes) changed.set(c.step, (changed.get(c.step) ?? 0) + 1);

  const taken = new Set<string>();
  for (let k = 1; k < route.length; k++) taken.add(`${route[k - 1]!.step}>${route[k]!.step}`);

  const out: string[] = [];
  const width = LEFT + BOX_W + 190;
  const height = TOP + graph.steps.length * ROW + 16;
  out.push(
    `<svg id="route" xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Route of the run on the runbook's statechart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`,
    '<defs>',
    marker('arrow-taken', '#1d4ed8'),
    marker('arrow-other', '#c7ccd4'),
    '</defs>',
    legend(),
  );

  // Edges first, under the boxes. Untaken on the left, faint; taken on the right (or straight), bold.
  const seen = new Set<string>();
  let leftLane = 0;
  let rightLane = 0;
  for (const e of graph.edges) {
    const a = index.get(e.from);
    const b = index.get(e.to);
    const key = `${e.from}>${e.to}`;
    if (a === undefined || b === undefined || a === b || seen.has(key)) continue;
    seen.add(key);
    if (taken.has(key)) continue;
    if (b === a + 1) out.push(`<line class="edge other" x1="${LEFT + 40}" y1="${y(a) + BOX_H}" x2="${LEFT + 40}" y2="${y(b) - 1}" stroke="#c7ccd4" stroke-width="1" marker-end="url(#arrow-other)"/>`);
    else {
      const dx = 10 + (leftLane++ % 8) * 9;
      out.push(`<path class="edge other" d="M ${LEFT} ${mid(a)} C ${LEFT - dx * 2} ${mid(a)}, ${LEFT - dx * 2} ${mid(b)}, ${LEFT - 2} ${mid(b)}" fill="none" stroke="#c7ccd4" stroke-width="1" marker-end="url(#arrow-other)"><title>${esc(`${e.from} → ${e.to} (${e.kind})`)}</title></path>`);
    }
  }
  for (const key of taken) {
    const [from, to] = key.split('>') as [string, string];
    const a = index.get(from);
    const b = index.get(to);
    if (a === undefined || b === undefined || a === b) continue;
    if (b === a + 1) out.push(`<line class="edge taken" x1="${LEFT + 40}" y1="${y(a) + BOX_H}" x2="${LEFT + 40}" y2="${y(b) - 1}" stroke="#1d4ed8" stroke-width="2.5" marker-end="url(#arrow-taken)"/>`);
    else {
      const dx = 22 + (rightLane++ % 6) * 18;
      const x = LEFT + BOX_W;
      out.push(`<path class="edge taken" d="M ${x} ${mid(a)} C ${x + dx * 2} ${mid(a)}, ${x + dx * 2} ${mid(b)}, ${x + 2} ${mid(b)}" fill="none" stroke="#1d4ed8" stroke-width="2.5" marker-end="url(#arrow-taken)"><title>${esc(`taken: ${from} → ${to}`)}</title></path>`);
    }
  }

  graph.steps.forEach((s, i) => {
    const v = visits.get(s.id);
    const result = v?.result;
    const cls = !v ? 'unvisited' : result === 'skipped' ? 'skipped' : result === 'ok' || result === 'in progress' ? 'taken' : 'failed';
    const style = {
      unvisited: { fill: '#ffffff', stroke: '#d7dbe0', text: '#8a929c', dash: '' },
      skipped: { fill: '#f6f7f9', stroke: '#a3aab3', text: '#6b7280', dash: ' stroke-dasharray="4 3"' },
      taken: { fill: '#e6efff', stroke: '#1d4ed8', text: '#0b1f4d', dash: '' },
      failed: { fill: '#fde8e8', stroke: '#b91c1c', text: '#7f1d1d', dash: '' },
    }[cls];
    const isEnd = s.kind === 'end';
    const rx = isEnd ? BOX_H / 2 : 4;
    const n = changed.get(s.id);
    out.push(`<g class="step ${cls}${n ? ' changed' : ''}" data-step="${esc(s.id)}">`);
    out.push(`<title>${esc(`${s.id} (${s.kind}${s.impact ? `, ${s.impact}` : ''}): ${s.title}${v ? ` — ${result}` : ' — not reached'}`)}</title>`);
    out.push(`<rect x="${LEFT}" y="${y(i)}" width="${BOX_W}" height="${BOX_H}" rx="${rx}" fill="${style.fill}" stroke="${n ? '#c2410c' : style.stroke}" stroke-width="${v && cls !== 'skipped' ? 1.8 : 1}"${style.dash}/>`);
    const kind = isEnd ? `end: ${s.outcome ?? ''}` : s.kind;
    out.push(`<text x="${LEFT + 8}" y="${y(i) + 15}" fill="${style.text}"><tspan font-weight="${v && cls !== 'skipped' ? 600 : 400}">${esc(s.id)}</tspan><tspan fill="#8a929c" font-size="10.5">  ${esc(kind)} · ${esc(truncate(s.title, Math.max(10, 66 - s.id.length - kind.length - (n ? 20 : 0))))}</tspan></text>`);
    if (v && cls !== 'unvisited') {
      out.push(`<text x="${LEFT - 8}" y="${y(i) + 15}" text-anchor="end" fill="${cls === 'skipped' ? '#8a929c' : '#1d4ed8'}" font-size="10.5">${v.order.join(',')}</text>`);
    }
    if (n) {
      const label = s.impact === 'destructive' ? `DESTRUCTIVE ×${n}` : `CHANGE ×${n}`;
      const bw = label.length * 6.6 + 12;
      out.push(`<rect x="${LEFT + BOX_W - bw - 4}" y="${y(i) + 3}" width="${bw}" height="${BOX_H - 6}" rx="3" fill="${s.impact === 'destructive' ? '#b91c1c' : '#c2410c'}"/>`);
      out.push(`<text x="${LEFT + BOX_W - bw / 2 - 4}" y="${y(i) + 15}" text-anchor="middle" fill="#ffffff" font-size="10" font-weight="700">${label}</text>`);
    } else if (cls === 'skipped' || cls === 'failed') {
      out.push(`<text x="${LEFT + BOX_W - 8}" y="${y(i) + 15}" text-anchor="end" fill="${style.stroke}" font-size="10.5" font-style="italic">${esc(result ?? '')}</text>`);
    }
    out.push('</g>');
  });
  out.push('</svg>');
  return { svg: out.join('\n'), taken: [...visits.keys()] };
}

function marker(id: string, color: string): string {
  return `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="${color}"/></marker>`;
}

function legend(): string {
  const item = (x: number, fill: string, stroke: string, label: string, dash = ''): string =>
    `<rect x="${x}" y="14" width="18" height="12" rx="2" fill="${fill}" stroke="${stroke}"${dash}/><text x="${x + 24}" y="24" fill="#374151" font-size="11">${label}</text>`;
  return [
    '<g class="legend">',
    item(LEFT, '#e6efff', '#1d4ed8', 'taken'),
    item(LEFT + 70, '#f6f7f9', '#a3aab3', 'skipped', ' stroke-dasharray="4 3"'),
    item(LEFT + 150, '#ffffff', '#d7dbe0', 'not reached'),
    item(LEFT + 255, '#fde8e8', '#b91c1c', 'failed'),
    `<rect x="${LEFT + 320}" y="14" width="18" height="12" rx="2" fill="#c2410c"/><text x="${LEFT + 344}" y="24" fill="#374151" font-size="11">changed something</text>`,
    `<text x="${LEFT - 8}" y="46" text-anchor="end" fill="#6b7280" font-size="10.5">order</text>`,
    '</g>',
  ].join('');
}

function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
