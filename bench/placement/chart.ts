/**
 * A hand-written SVG: admitted fps against offered load, one panel per
 * scenario, one line per strategy, the LP upper bound dashed.
 */
import type { Row } from './measure.js';

const COLOURS: Record<string, string> = {
  rim: '#d62728',
  optimal: '#111111',
  nexus: '#1f77b4',
  spread: '#2ca02c',
  ffd: '#9467bd',
  'lp bound': '#888888',
};
const W = 420;
const H = 300;
const M = { l: 60, r: 16, t: 34, b: 44 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function panel(title: string, rows: Row[], x0: number, y0: number): string {
  const loads = [...new Set(rows.map((r) => r.load))].sort((a, b) => a - b);
  const series = new Map<string, Array<[number, number]>>();
  for (const r of rows) {
    if (!series.has(r.strategy)) series.set(r.strategy, []);
    series.get(r.strategy)!.push([r.load, r.admittedFps]);
  }
  const bound = new Map<number, number>();
  for (const r of rows) bound.set(r.load, r.lpBoundFps);
  series.set(
    'lp bound',
    [...bound].sort((a, b) => a[0] - b[0]),
  );
  const maxY = Math.max(1, ...[...series.values()].flat().map(([, y]) => y)) * 1.05;
  const [lo, hi] = [loads[0] ?? 0, loads[loads.length - 1] ?? 1];
  const sx = (x: number) => x0 + M.l + ((x - lo) / Math.max(1e-9, hi - lo)) * (W - M.l - M.r);
  const sy = (y: number) => y0 + H - M.b - (y / maxY) * (H - M.t - M.b);
  const out: string[] = [];
  out.push(`<text x="${x0 + W / 2}" y="${y0 + 20}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  out.push(`<line x1="${sx(lo)}" y1="${sy(0)}" x2="${sx(hi)}" y2="${sy(0)}" stroke="#000"/>`);
  out.push(`<line x1="${sx(lo)}" y1="${sy(0)}" x2="${sx(lo)}" y2="${sy(maxY)}" stroke="#000"/>`);
  for (const l of loads) {
    out.push(`<text x="${sx(l)}" y="${sy(0) + 16}" text-anchor="middle" font-size="10">${l}</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (maxY / 1.05) * (i / 4);
    out.push(`<text x="${sx(lo) - 6}" y="${sy(v) + 3}" text-anchor="end" font-size="10">${v.toFixed(0)}</text>`);
    out.push(`<line x1="${sx(lo)}" y1="${sy(v)}" x2="${sx(hi)}" y2="${sy(v)}" stroke="#eee"/>`);
  }
  out.push(
    `<text x="${x0 + W / 2}" y="${y0 + H - 8}" text-anchor="middle" font-size="11">` +
      'offered load (1.0 = LP capacity for the app mix)</text>',
  );
  out.push(
    `<text transform="translate(${x0 + 14},${y0 + H / 2}) rotate(-90)" text-anchor="middle" font-size="11">` +
      'admitted fps</text>',
  );
  let legendY = y0 + M.t + 4;
  for (const [name, pts] of series) {
    const colour = COLOURS[name] ?? '#ff7f0e';
    const d = pts
      .sort((a, b) => a[0] - b[0])
      .map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join(' ');
    const dash = name === 'lp bound' ? ' stroke-dasharray="5,4"' : '';
    out.push(`<path d="${d}" fill="none" stroke="${colour}" stroke-width="${name === 'rim' ? 2.5 : 1.5}"${dash}/>`);
    for (const [x, y] of pts)
      out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${colour}"/>`);
    out.push(
      `<line x1="${sx(lo) + 10}" y1="${legendY}" x2="${sx(lo) + 28}" y2="${legendY}" ` +
        `stroke="${colour}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${sx(lo) + 32}" y="${legendY + 4}" font-size="10">${esc(name)}</text>`);
    legendY += 13;
  }
  return out.join('\n');
}

export function chart(rows: Row[]): string {
  const names = [...new Set(rows.map((r) => r.scenario))];
  const cols = 2;
  const width = W * cols;
  const height = H * Math.ceil(names.length / cols);
  const panels = names.map((n, i) =>
    panel(
      n,
      rows.filter((r) => r.scenario === n),
      (i % cols) * W,
      Math.floor(i / cols) * H,
    ),
  );
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n` +
    `<rect width="100%" height="100%" fill="#fff"/>\n${panels.join('\n')}\n</svg>\n`
  );
}
