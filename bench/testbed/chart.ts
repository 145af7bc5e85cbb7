/**
 * bench:testbed's hand-written SVG, four panels: finish rate per deployment
 * and strategy (0.99 marked), p99 over the latency target (1 marked), and
 * the finish rate per second around the doubled input and the box kill.
 */
import type { Second } from './series.js';

interface ChartRow {
  deployment: string;
  state: string;
  finish: number | null;
  p99: number | null;
  latencyMs: number;
}
interface ChartEvent {
  event: string;
  atS: number;
  series: Record<string, Second[]>;
}
export interface ChartInput {
  windowS: number;
  strategies: { strategy: string; rows: ChartRow[] }[];
  doubled: ChartEvent;
  boxKill: ChartEvent;
}

const STRATEGY_COLOURS: Record<string, string> = { rim: '#d62728', nexus: '#1f77b4', spread: '#2ca02c' };
const LINE_COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const W = 440;
const H = 280;
const M = { l: 50, r: 14, t: 40, b: 46 };
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function frame(title: string, x0: number, y0: number, maxY: number, yTicks: number[], xLabel: string) {
  const sy = (y: number) => y0 + H - M.b - (Math.min(y, maxY) / maxY) * (H - M.t - M.b);
  const out = [`<text x="${x0 + W / 2}" y="${y0 + 16}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`];
  for (const v of yTicks) {
    out.push(`<line x1="${x0 + M.l}" y1="${sy(v)}" x2="${x0 + W - M.r}" y2="${sy(v)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + M.l - 5}" y="${sy(v) + 3}" text-anchor="end" font-size="10">${v}</text>`);
  }
  out.push(`<line x1="${x0 + M.l}" y1="${sy(0)}" x2="${x0 + W - M.r}" y2="${sy(0)}" stroke="#000"/>`);
  out.push(`<line x1="${x0 + M.l}" y1="${sy(0)}" x2="${x0 + M.l}" y2="${sy(maxY)}" stroke="#000"/>`);
  out.push(`<text x="${x0 + W / 2}" y="${y0 + H - 6}" text-anchor="middle" font-size="11">${esc(xLabel)}</text>`);
  return { out, sy };
}

function marker(y: number, x0: number, label: string): string {
  return (
    `<line x1="${x0 + M.l}" y1="${y}" x2="${x0 + W - M.r}" y2="${y}" stroke="#555" stroke-dasharray="4,3"/>` +
    `<text x="${x0 + W - M.r}" y="${y - 3}" text-anchor="end" font-size="9" fill="#555">${esc(label)}</text>`
  );
}

/** Grouped bars: one group per deployment, one bar per strategy; rejected ones drawn as an "x". */
function bars(
  title: string,
  input: ChartInput,
  value: (r: ChartRow) => number | null,
  maxY: number,
  line: { y: number; label: string },
  x0: number,
  y0: number,
): string {
  const ticks = [0, maxY / 4, maxY / 2, (3 * maxY) / 4, maxY].map((v) => Math.round(v * 100) / 100);
  const { out, sy } = frame(title, x0, y0, maxY, ticks, 'deployment (bars: rim, nexus, spread; x: rejected)');
  const names = input.strategies[0]?.rows.map((r) => r.deployment) ?? [];
  const groupW = (W - M.l - M.r) / Math.max(1, names.length);
  const barW = (groupW * 0.8) / Math.max(1, input.strategies.length);
  names.forEach((name, g) => {
    const gx = x0 + M.l + g * groupW + groupW * 0.1;
    input.strategies.forEach((s, i) => {
      const r = s.rows.find((x) => x.deployment === name);
      const colour = STRATEGY_COLOURS[s.strategy] ?? '#888';
      const x = gx + i * barW;
      const v = r ? value(r) : null;
      if (!r || r.state !== 'admitted' || v === null) {
        const cy = sy(0) - 6;
        out.push(`<text x="${x + barW / 2}" y="${cy}" text-anchor="middle" font-size="11" fill="${colour}">x</text>`);
        return;
      }
      const y = sy(v);
      out.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 1).toFixed(1)}" ` +
          `height="${(sy(0) - y).toFixed(1)}" fill="${colour}"/>`,
      );
    });
    out.push(
      `<text x="${gx + (groupW * 0.8) / 2}" y="${sy(0) + 14}" text-anchor="middle" font-size="10">${esc(name)}</text>`,
    );
  });
  out.push(marker(sy(line.y), x0, line.label));
  let lx = x0 + M.l + 6;
  for (const s of input.strategies) {
    const colour = STRATEGY_COLOURS[s.strategy] ?? '#888';
    out.push(`<rect x="${lx}" y="${y0 + 25}" width="9" height="9" fill="${colour}"/>`);
    out.push(`<text x="${lx + 12}" y="${y0 + 33}" font-size="10">${esc(s.strategy)}</text>`);
    lx += 52;
  }
  return out.join('\n');
}

function timeline(title: string, ev: ChartEvent, x0: number, y0: number): string {
  const seconds = Math.max(1, ...Object.values(ev.series).map((s) => s.length));
  const { out, sy } = frame(title, x0, y0, 1, [0, 0.25, 0.5, 0.75, 1], 'seconds');
  const sx = (t: number) => x0 + M.l + (t / seconds) * (W - M.l - M.r);
  for (let t = 0; t <= seconds; t += 10) {
    out.push(`<text x="${sx(t)}" y="${sy(0) + 14}" text-anchor="middle" font-size="10">${t}</text>`);
  }
  out.push(
    `<line x1="${sx(ev.atS)}" y1="${sy(0)}" x2="${sx(ev.atS)}" y2="${sy(1)}" stroke="#000" stroke-dasharray="2,2"/>`,
  );
  out.push(`<text x="${sx(ev.atS) + 3}" y="${sy(1) + 10}" font-size="9">${esc(ev.event)}</text>`);
  out.push(marker(sy(0.99), x0, '0.99'));
  let ly = sy(0.25);
  Object.entries(ev.series).forEach(([name, s], i) => {
    const colour = LINE_COLOURS[i % LINE_COLOURS.length]!;
    const d = s
      .filter((x) => x.finish !== null)
      .map((x, j) => `${j ? 'L' : 'M'}${sx(x.t + 0.5).toFixed(1)},${sy(x.finish!).toFixed(1)}`)
      .join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="1.6"/>`);
    out.push(`<line x1="${sx(1)}" y1="${ly}" x2="${sx(1) + 16}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<text x="${sx(1) + 20}" y="${ly + 3}" font-size="10">${esc(name)}</text>`);
    ly += 12;
  });
  out.push(
    `<text transform="translate(${x0 + 12},${y0 + H / 2}) rotate(-90)" text-anchor="middle" font-size="11">` +
      'finish rate per second</text>',
  );
  return out.join('\n');
}

export function chart(input: ChartInput): string {
  const ratios = input.strategies.flatMap((s) => s.rows.map((r) => (r.p99 === null ? 0 : r.p99 / r.latencyMs)));
  const maxRatio = Math.max(2, Math.ceil(Math.max(...ratios, 0) * 2) / 2);
  const panels = [
    bars(`finish rate (${input.windowS} s window)`, input, (r) => r.finish, 1, { y: 0.99, label: '0.99' }, 0, 0),
    bars(
      'p99 / latency target',
      input,
      (r) => (r.p99 === null ? null : r.p99 / r.latencyMs),
      maxRatio,
      { y: 1, label: 'target' },
      W,
      0,
    ),
    timeline('rim: one input doubles', input.doubled, 0, H),
    timeline('rim: one box killed', input.boxKill, W, H),
  ];
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${2 * H}" viewBox="0 0 ${2 * W} ${2 * H}" ` +
    `font-family="sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${panels.join('\n')}\n</svg>\n`
  );
}
