/**
 * A batch as CSV: a header row, then one invitation per row. Cells become the fields of a JSON row, which
 * is then validated like any other: `roleIds` and the other lists split on spaces or semicolons,
 * `expiresIn` a number, `reminder` true or false, `metadata.<key>` (dots nest: `metadata.team.name`)
 * strings. An empty cell is a field not given. Parsed with csv-parse (quotes, embedded commas and line
 * breaks, a UTF-8 BOM).
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { AppError } from '../../domain/errors.ts';

const listColumns = new Set(['roleIds', 'organizationIds', 'organizationRoleIds']);
const textColumns = new Set(['email', 'mode', 'locale', 'name', 'redirectUrl']);
export const csvColumns = ['email', 'mode', 'locale', 'name', 'expiresIn', 'redirectUrl', 'reminder', ...listColumns, 'metadata.<key>'];

export interface CsvRow {
  /** Its line in the file (the header is line 1). */
  line: number;
  row: Record<string, unknown>;
}

const refuse = (message: string, details?: unknown) => new AppError('batch.invalid_csv', 422, message, details);

export function rowsFromCsv(text: string, maxRows: number): CsvRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, trim: true, info: true, to: maxRows + 1 });
  } catch (error) {
    throw refuse(`The CSV could not be read: ${(error as Error).message}`);
  }
  if (records.length === 0) throw refuse('The CSV has no rows below its header.');
  if (records.length > maxRows) throw refuse(`A batch has at most ${maxRows.toLocaleString('en')} rows.`);
  const header = Object.keys(records[0]!.record);
  const unknown = header.filter((column) => !listColumns.has(column) && !textColumns.has(column) && column !== 'expiresIn' && column !== 'reminder' && !/^metadata\.[^.]+(\.[^.]+)*$/.test(column));
  if (unknown.length > 0) throw refuse(`Unknown column(s): ${unknown.join(', ')}.`, { columns: csvColumns });
  if (!header.includes('email')) throw refuse('The CSV needs an email column.', { columns: csvColumns });
  return records.map(({ record, info }) => ({ line: info.lines, row: toRow(record) }));
}

function toRow(record: Record<string, string>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const [column, cell] of Object.entries(record)) {
    if (cell === '') continue;
    if (listColumns.has(column)) row[column] = cell.split(/[\s;]+/).filter(Boolean);
    else if (column === 'expiresIn') row[column] = /^\d+$/.test(cell) ? Number(cell) : cell;
    else if (column === 'reminder') row[column] = cell === 'true' ? true : cell === 'false' ? false : cell;
    else if (column.startsWith('metadata.')) setPath(row, column.split('.'), cell);
    else row[column] = cell;
  }
  return row;
}

/**
 * `metadata.team.name` = x: nested objects, made as needed. Own properties throughout, so a column named
 * `metadata.__proto__` is a key (which the metadata schema then refuses), never a prototype.
 */
function setPath(target: Record<string, unknown>, path: string[], value: string): void {
  const own = (node: Record<string, unknown>, key: string, child: unknown) =>
    Object.defineProperty(node, key, { value: child, enumerable: true, writable: true, configurable: true });
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = Object.hasOwn(node, key) ? node[key] : undefined;
    if (next !== null && typeof next === 'object') node = next as Record<string, unknown>;
    else own(node, key, (node = {}));
  }
  own(node, path.at(-1)!, value);
}
