/** Tables for people, JSON for scripts. */

export type Row = Record<string, unknown>;

const cell = (v: unknown): string =>
  v === undefined || v === null ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** A plain left-aligned table with upper-case headers; "(none)" when empty. */
export function table(rows: Row[], columns: [key: string, header?: string][]): string {
  if (!rows.length) return '(none)';
  const heads = columns.map(([k, h]) => (h ?? k).toUpperCase());
  const body = rows.map((r) => columns.map(([k]) => cell(r[k])));
  const widths = heads.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(heads), ...body.map(line)].join('\n');
}

export interface Output {
  json: boolean;
  print(text: string): void;
}

export function output(json: boolean, write: (s: string) => void = (s) => process.stdout.write(s)): Output {
  return { json, print: (text) => write(`${text}\n`) };
}

/** Prints `data` as JSON when asked, else the human form. */
export function show(out: Output, data: unknown, human: () => string): void {
  out.print(out.json ? JSON.stringify(data, null, 2) : human());
}
