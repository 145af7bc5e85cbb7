// Small DOM helpers shared by the status page's views (browser ES module, served as-is).
export const $ = (id) => document.getElementById(id);
export const esc = (v) =>
  String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
export const num = (v, d = 1) => (typeof v === 'number' && isFinite(v) ? v.toFixed(d) : '–');
export const pct = (v) => (typeof v === 'number' && isFinite(v) ? Math.round(v * 100) + '%' : '–');
export const pill = (s, text) => '<span class="pill s-' + esc(s) + '">' + esc(text ?? s) + '</span>';

/** An HTML table from rows and [header, cell(row) → html] columns. */
export function table(rows, cols, empty, caption) {
  if (!rows.length) return '<p class="empty">' + esc(empty) + '</p>';
  return (
    '<table>' +
    (caption ? '<caption class="sr">' + esc(caption) + '</caption>' : '') +
    '<thead><tr>' +
    cols.map((c) => '<th scope="col">' + esc(c[0]) + '</th>').join('') +
    '</tr></thead><tbody>' +
    rows.map((r) => '<tr>' + cols.map((c) => '<td>' + c[1](r) + '</td>').join('') + '</tr>').join('') +
    '</tbody></table>'
  );
}

/** A horizontal bar for a 0..1 share, with its figure as text (not colour alone). */
export function bar(ratio, label, title) {
  const v = typeof ratio === 'number' && isFinite(ratio) ? ratio : null;
  const w = v === null ? 0 : Math.min(100, Math.round(v * 100));
  const cls = v === null ? '' : v > 1 ? ' over' : v > 0.85 ? ' high' : '';
  return (
    '<div class="bar" role="img"' +
    (title ? ' title="' + esc(title) + '"' : '') +
    ' aria-label="' +
    esc(label + ' ' + pct(v)) +
    '"><span class="fill' +
    cls +
    '" style="width:' +
    w +
    '%"></span><span class="bar-text">' +
    esc(label) +
    ' ' +
    pct(v) +
    '</span></div>'
  );
}

/** Fills a <select> with options, keeping the current choice when it still exists. */
export function options(select, values, first) {
  const keep = select.value;
  select.innerHTML =
    (first ? '<option value="">' + esc(first) + '</option>' : '') +
    values.map((v) => '<option value="' + esc(v) + '">' + esc(v) + '</option>').join('');
  if (values.includes(keep)) select.value = keep;
}
