/**
 * Logto's search query language (packages/core/src/utils/search.ts), evaluated in memory:
 * `search.<field>=<value>` (repeatable), `mode[.<field>]=exact|like|similar_to|posix` (default `like`),
 * `joint=and|or` (default `or`), `isCaseSensitive=true`. `like` is SQL LIKE (`%`, `_`; the caller writes the
 * wildcards), `posix` a regular expression. Invalid searches throw `TypeError`, which routes turn into
 * 400 `request.invalid_input` as Logto does.
 */
import { fail } from './errors.ts';
import type { Context } from './http.ts';

const matchModes = ['exact', 'like', 'similar_to', 'posix'] as const;
type MatchMode = (typeof matchModes)[number];

interface SearchItem {
  mode: MatchMode;
  /** Undefined for a general `search=` that looks in every searchable field. */
  field: string | undefined;
  values: string[];
}

export interface Search {
  matches: SearchItem[];
  joint: 'and' | 'or';
  isCaseSensitive: boolean;
}

const truthy = new Set(['1', 'true', 'y', 'yes']);

function searchField(key: string): string | undefined {
  const path = key.split('.');
  if (path.length > 2) {
    throw new TypeError(
      `Unsupported nested search field path \`${path.slice(1).join('.')}\` detected. Only the first level field is supported.`,
    );
  }
  return path[1];
}

export function parseSearch(params: URLSearchParams): Search {
  const jointValue = params.get('joint') ?? params.get('jointMode') ?? 'or';
  if (jointValue !== 'and' && jointValue !== 'or') {
    throw new TypeError(`Search joint mode \`${jointValue}\` is not valid, expect one of or, and.`);
  }

  const modes = new Map<string | undefined, MatchMode>();
  const values = new Map<string | undefined, string[]>();
  for (const [key, value] of params) {
    if (key.startsWith('mode')) {
      const field = searchField(key);
      if (!(matchModes as readonly string[]).includes(value)) {
        const forField = field ? ` for field \`${field}\`` : '';
        throw new TypeError(`Search match mode \`${value}\`${forField} is not valid, expect one of ${matchModes.join(', ')}.`);
      }
      modes.set(field, value as MatchMode);
    } else if (key.startsWith('search')) {
      const field = searchField(key);
      values.set(field, [...(values.get(field) ?? []), value]);
    }
  }

  const matches = [...values].map(([field, fieldValues]): SearchItem => {
    const mode = modes.get(field) ?? modes.get(undefined) ?? 'like';
    if (mode !== 'exact' && fieldValues.length !== 1) {
      throw new TypeError('Only one search value is allowed when search mode is not `exact`.');
    }
    if (!fieldValues.every(Boolean)) throw new TypeError('Search value cannot be empty.');
    return { mode, field, values: fieldValues };
  });

  return { matches, joint: jointValue, isCaseSensitive: truthy.has((params.get('isCaseSensitive') ?? 'false').toLowerCase()) };
}

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** SQL LIKE: `%` any run, `_` one character, `\` escapes; anchored at both ends. */
function likeToRegExp(pattern: string, flags: string) {
  let source = '';
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern.charAt(index);
    if (char === '\\' && index + 1 < pattern.length) {
      index += 1;
      source += escapeRegExp(pattern.charAt(index));
    } else if (char === '%') source += '[\\s\\S]*';
    else if (char === '_') source += '[\\s\\S]';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, flags);
}

/** SQL SIMILAR TO: LIKE's wildcards plus POSIX alternation, grouping and repetition; anchored. */
function similarToRegExp(pattern: string) {
  const source = pattern.replace(/[.^$]/g, '\\$&').replaceAll('%', '[\\s\\S]*').replaceAll('_', '[\\s\\S]');
  return new RegExp(`^(?:${source})$`);
}

function valueMatches(mode: MatchMode, value: string, wanted: string[], isCaseSensitive: boolean) {
  const flags = isCaseSensitive ? '' : 'i';
  const [first = ''] = wanted;
  switch (mode) {
    case 'exact':
      return isCaseSensitive ? wanted.includes(value) : wanted.some((item) => item.toLowerCase() === value.toLowerCase());
    case 'like':
      return likeToRegExp(first, flags).test(value);
    case 'posix':
      return new RegExp(first, flags).test(value);
    case 'similar_to':
      return similarToRegExp(first).test(value);
  }
}

/**
 * Builds a predicate over records whose searchable columns are `fields` (camelCase keys; Logto names them in
 * snake_case, and accepts either spelling in `search.<field>`). Throws `TypeError` for an unknown field.
 */
export function searchPredicate<T>(search: Search, fields: ReadonlyArray<keyof T & string>) {
  const columns = new Map(fields.map((field) => [snakeCase(field), field]));
  const conditions = search.matches.map(({ mode, field, values }) => {
    const column = field === undefined ? undefined : columns.get(snakeCase(field));
    if (field !== undefined && column === undefined) {
      throw new TypeError(`Search field \`${snakeCase(field)}\` is not valid, expect one of ${[...columns.keys()].join(', ')}.`);
    }
    if (mode === 'similar_to' && !search.isCaseSensitive) {
      throw new TypeError('Cannot use case-insensitive match for `similar to`.');
    }
    const searched = column === undefined ? fields : [column];
    return (record: T) =>
      searched.some((key) => {
        const value = record[key];
        return typeof value === 'string' && valueMatches(mode, value, values, search.isCaseSensitive);
      });
  });
  return (record: T) =>
    conditions.length === 0 ||
    (search.joint === 'and' ? conditions.every((condition) => condition(record)) : conditions.some((condition) => condition(record)));
}

/** Runs a search of the request's query, turning Logto's `TypeError`s for malformed searches into its 400. */
export function withSearch<T>(ctx: Context, run: (search: Search) => T): T {
  try {
    return run(parseSearch(ctx.url.searchParams));
  } catch (error) {
    if (error instanceof TypeError) fail('request.invalid_input', { vars: { details: error.message } });
    throw error;
  }
}

/**
 * Logto's other search, `?q=` (`parseSearchOptions` and `buildSearchSql`): `field ilike '%q%'` over `fields`,
 * joined by `or` (the keyword's own `%` and `_` stay wildcards). An empty or absent `q` matches everything.
 */
export function keywordPredicate<T>(q: string | undefined, fields: ReadonlyArray<keyof T & string>) {
  if (!q) return () => true;
  const pattern = likeToRegExp(`%${q}%`, 'i');
  return (record: T) => fields.some((field) => typeof record[field] === 'string' && pattern.test(record[field]));
}
