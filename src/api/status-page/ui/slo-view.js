// SLO view: per deployment, input and output fps, finish rate and p99 against target, met / at risk / missed,
// and sparklines of the last minutes (fps, p99 with the target line) from a short client-side history.
import { esc, num, pct, pill } from './dom.js';

const KEEP_MS = 10 * 60 * 1000;
const history = new Map();
const rows = new Map();

/** met | at-risk | missed | idle | rejected | pending, from what the API measured (merged across boxes). */
export function sloOf(d) {
  if (d.state === 'rejected') return 'rejected';
  const m = d.measured || {};
  if (m.fps == null && m.slo == null) return d.state === 'admitted' ? 'idle' : 'pending';
  const expected = Math.min(d.fps, m.inputFps ?? d.fps);
  const finish = expected > 0 && m.fps != null ? m.fps / expected : null;
  const p99 = m.latencyMs ? m.latencyMs.p99 : null;
  if (m.slo === 'violated' || (finish !== null && finish < 0.9)) return 'missed';
  if ((finish !== null && finish < 0.98) || (p99 !== null && p99 > 0.8 * d.latencyMs)) return 'at-risk';
  return m.slo === 'met' ? 'met' : 'idle';
}

export function finishRate(d) {
  const m = d.measured || {};
  const expected = Math.min(d.fps, m.inputFps ?? d.fps);
  return expected > 0 && m.fps != null ? Math.min(1, m.fps / expected) : null;
}

/** Appends one sample per deployment; forgets deployments that are gone. */
export function record(deployments, now) {
  const names = new Set(deployments.map((d) => d.name));
  for (const n of history.keys()) if (!names.has(n)) history.delete(n);
  for (const d of deployments) {
    const h = history.get(d.name) || { t: [], in: [], out: [], p99: [] };
    const m = d.measured || {};
    h.t.push(now / 1000);
    h.in.push(m.inputFps ?? null);
    h.out.push(m.fps ?? null);
    h.p99.push(m.latencyMs ? m.latencyMs.p99 : null);
    while (h.t.length && h.t[0] < (now - KEEP_MS) / 1000) for (const k of ['t', 'in', 'out', 'p99']) h[k].shift();
    history.set(d.name, h);
  }
}

function chartData(kind, d) {
  const h = history.get(d.name) || { t: [], in: [], out: [], p99: [] };
  const target = h.t.map(() => (kind === 'fps' ? d.fps : d.latencyMs));
  return kind === 'fps' ? [h.t, h.in, h.out, target] : [h.t, h.p99, target];
}

function makeChart(el, kind, d) {
  if (!window.uPlot) return null;
  const series =
    kind === 'fps'
      ? [
          {},
          { label: 'input fps', stroke: '#2563eb' },
          { label: 'output fps', stroke: '#15803d' },
          { label: 'target fps', stroke: '#b91c1c', dash: [4, 3] },
        ]
      : [{}, { label: 'p99 ms', stroke: '#7c3aed' }, { label: 'target ms', stroke: '#b91c1c', dash: [4, 3] }];
  return new window.uPlot(
    {
      width: 160,
      height: 40,
      legend: { show: false },
      cursor: { show: false },
      select: { show: false },
      axes: [{ show: false }, { show: false }],
      scales: { x: { time: false } },
      series: series.map((x, i) => (i ? { ...x, width: 1.5, points: { show: false } } : x)),
    },
    chartData(kind, d),
    el,
  );
}

function newRow(d, onSelect) {
  const tr = document.createElement('tr');
  tr.dataset.deployment = d.name;
  tr.innerHTML =
    '<th scope="row"><button type="button" class="link"></button></th><td class="st"></td>' +
    '<td class="in"></td><td class="out"></td><td class="fin"></td><td class="p99"></td>' +
    '<td><div class="spark" role="img"></div></td><td><div class="spark" role="img"></div></td>';
  tr.querySelector('button').addEventListener('click', () => onSelect(d.name));
  const [fps, lat] = tr.querySelectorAll('.spark');
  fps.setAttribute('aria-label', 'input and output fps of ' + d.name + ' over the last minutes, with the target');
  lat.setAttribute('aria-label', 'p99 latency of ' + d.name + ' over the last minutes, with the target');
  return { tr, fps, lat, charts: null };
}

let observer = null;
/** Charts are made when a row scrolls into view: 200 deployments do not mean 400 canvases at once. */
function watch(row, d) {
  observer ||= new IntersectionObserver((entries) => {
    for (const e of entries) {
      if (!e.isIntersecting) continue;
      const r = rows.get(e.target.dataset.deployment);
      if (r && !r.charts) r.charts = { fps: makeChart(r.fps, 'fps', r.d), lat: makeChart(r.lat, 'lat', r.d) };
      observer.unobserve(e.target);
    }
  });
  row.d = d;
  observer.observe(row.tr);
}

export function drawSlo(tbody, deployments, selected, onSelect) {
  const names = new Set(deployments.map((d) => d.name));
  for (const [n, r] of rows)
    if (!names.has(n)) {
      r.tr.remove();
      rows.delete(n);
    }
  const counts = { met: 0, 'at-risk': 0, missed: 0 };
  for (const d of deployments) {
    let r = rows.get(d.name);
    if (!r) {
      r = newRow(d, onSelect);
      rows.set(d.name, r);
      tbody.appendChild(r.tr);
      watch(r, d);
    }
    r.d = d;
    const st = sloOf(d);
    if (st in counts) counts[st]++;
    const m = d.measured || {};
    r.tr.dataset.slo = st;
    r.tr.classList.toggle('sel', d.name === selected);
    r.tr.querySelector('button').textContent = d.name;
    r.tr.querySelector('.st').innerHTML =
      pill(st, st.replace('-', ' ')) + (d.reason ? ' <small>' + esc(d.reason) + '</small>' : '');
    r.tr.querySelector('.in').textContent = num(m.inputFps);
    r.tr.querySelector('.out').textContent = num(m.fps) + ' / ' + num(d.fps);
    r.tr.querySelector('.fin').textContent = pct(finishRate(d));
    const p99 = m.latencyMs && m.latencyMs.p99;
    r.tr.querySelector('.p99').textContent = num(p99, 0) + ' / ' + num(d.latencyMs, 0) + ' ms';
    if (r.charts) {
      r.charts.fps?.setData(chartData('fps', d));
      r.charts.lat?.setData(chartData('lat', d));
    }
  }
  return counts;
}
