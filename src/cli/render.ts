// Building blocks of the PAS-K show formats: 80-column rules, "key : value" lines and
// borderless column tables (cli-table3), every line without trailing blanks.

import Table from 'cli-table3';

export const RULE = '='.repeat(80);
export const SUBRULE = ' ' + '-'.repeat(78);
export const DASHES = '-'.repeat(80);

/** `    Key                  : value` with the key padded to `width`. */
export function kv(indent: number, width: number, key: string, value: string | number): string {
  return `${' '.repeat(indent)}${key.padEnd(width)}: ${value}`.trimEnd();
}

/** `    --- Option ----...` ending at column 78. */
export function optionRule(indent: number, title = 'Option'): string {
  const head = `${' '.repeat(indent)}--- ${title} `;
  return head + '-'.repeat(Math.max(3, 78 - head.length));
}

const NO_BORDER = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '',
  'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ',
};

export interface TableOptions {
  readonly indent: number;
  /** Minimum width of each column, by index. */
  readonly minWidths?: readonly number[];
}

/** Columns as wide as their widest cell (or their minimum), one space apart, no borders. */
export function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], opts: TableOptions): string[] {
  const cells = rows.map((r) => r.map((c) => String(c)));
  const widths = head.map((h, i) => Math.max(h.length, opts.minWidths?.[i] ?? 0, ...cells.map((r) => (r[i] ?? '').length)));
  const t = new Table({
    chars: NO_BORDER,
    head: [...head],
    colWidths: widths,
    wordWrap: false,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const r of cells) t.push(r);
  const pad = ' '.repeat(opts.indent);
  return t.toString().split('\n').map((l) => (pad + l).trimEnd());
}

/** A show block: a leading blank line, the lines, and a trailing blank line. */
export function block(lines: readonly string[]): string {
  return `\n${lines.join('\n')}\n\n`;
}

export function orBlank(v: string | number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}
