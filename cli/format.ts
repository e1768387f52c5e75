/**
 * Text helpers for human output: colours (only where the stream is a terminal), tables, times. Pure
 * functions over strings; nothing here writes anywhere.
 */

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/** Styles text for one stream: identity where colours are off. */
export type Paint = (style: Style | undefined, text: string) => string;

const sgr: Record<Style, [open: number, close: number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

const plain: Paint = (_style, text) => text;
const ansi: Paint = (style, text) => (style ? `\x1b[${sgr[style][0]}m${text}\x1b[${sgr[style][1]}m` : text);

/**
 * Colours only on a terminal, and never when `NO_COLOR` is set to anything but the empty string
 * (https://no-color.org) or the terminal is `dumb`.
 */
export function paintFor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): Paint {
  const off = !stream.isTTY || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb';
  return off ? plain : ansi;
}

/** A table cell: its text, and how to style it (styles are applied after padding, so columns line up). */
export type Cell = string | { text: string; style?: Style | undefined };

const textOf = (cell: Cell) => (typeof cell === 'string' ? cell : cell.text);
const styleOf = (cell: Cell) => (typeof cell === 'string' ? undefined : cell.style);

/** Columns padded to their widest cell, two spaces apart; the header dimmed. */
export function table(headers: readonly string[], rows: readonly (readonly Cell[])[], paint: Paint): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => textOf(row[column] ?? '').length)));
  const render = (cells: readonly Cell[], headerStyle?: Style) =>
    cells
      .map((cell, column) => {
        const text = column === cells.length - 1 ? textOf(cell) : textOf(cell).padEnd(widths[column] ?? 0);
        return paint(headerStyle ?? styleOf(cell), text);
      })
      .join('  ')
      .trimEnd();
  return [render(headers, 'dim'), ...rows.map((row) => render(row))].join('\n');
}

/** `label  value` lines with the labels aligned; pairs without a value are left out. */
export function fields(pairs: readonly (readonly [label: string, value: Cell | undefined])[], paint: Paint): string {
  const shown = pairs.filter((pair): pair is readonly [string, Cell] => pair[1] !== undefined && textOf(pair[1]) !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${paint('dim', label.padEnd(width))}  ${paint(styleOf(value), textOf(value))}`).join('\n');
}

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];
const relativeFormat = new Intl.RelativeTimeFormat('en', { numeric: 'always' });

/** "in 3 days", "2 hours ago": the largest unit the distance holds at least once (weeks from 2 on); under a minute, "just now". */
export function relativeTime(iso: string, now: Date): string {
  const seconds = (Date.parse(iso) - now.getTime()) / 1000;
  const distance = Math.abs(seconds);
  if (distance < 60) return seconds < 0 ? 'just now' : 'in less than a minute';
  const [unit, size] =
    units.find(([name, size]) => distance >= (name === 'week' ? 2 * size : size)) ?? (['minute', 60] as const);
  return relativeFormat.format(Math.round(seconds / size), unit);
}

const two = (n: number) => String(n).padStart(2, '0');

/** `2026-11-20 14:03:09` in the local time zone: what a timeline reads best in. */
export function localTime(iso: string): string {
  const at = new Date(iso);
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

/** A value as one short line: strings as they are, anything else as compact JSON. */
export const inline = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

/** `[######------]` for `done` of `total`; a total of 0 reads as complete. */
export function bar(done: number, total: number, width: number, unicode: boolean): string {
  const filled = total === 0 ? width : Math.min(width, Math.round((done / total) * width));
  const [full, empty] = unicode ? ['█', '░'] : ['#', '-'];
  return `[${full.repeat(filled)}${empty.repeat(width - filled)}]`;
}
