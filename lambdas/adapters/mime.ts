/**
 * Reads the subject and the text and HTML bodies out of a MIME message: what SES's TestRenderEmailTemplate
 * answers (the whole message it would send). Only what a rendered template holds is read: headers (folded,
 * RFC 2047 encoded words), `multipart/*` nested to any depth, `7bit`, `8bit`, `quoted-printable` and `base64`
 * bodies in any charset `TextDecoder` knows. The first `text/plain` and the first `text/html` part that are
 * not attachments win. No dependency: the api function stays lean.
 */

export interface MimeContent {
  subject: string;
  text: string;
  html: string;
}

interface Entity {
  headers: Map<string, string>;
  body: string;
}

/** Headers (unfolded, names lower-cased, the first of a name kept) and the body after the blank line. */
function entity(raw: string): Entity {
  const at = raw.search(/\n\n/);
  const head = at === -1 ? raw : raw.slice(0, at);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n(?=[ \t])/g, '').split('\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    if (colon > 0 && !headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body: at === -1 ? '' : raw.slice(at + 2) };
}

/** `text/html; charset="utf-8"` as its lower-cased type and its parameters (quoted values unquoted). */
function contentType(value: string | undefined): { type: string; params: Map<string, string> } {
  const [type = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params = new Map<string, string>();
  for (const match of `;${rest.join(';')}`.matchAll(/;\s*([^=\s;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
    params.set(match[1]!.toLowerCase(), match[2]?.replace(/\\(.)/g, '$1') ?? match[3] ?? '');
  }
  return { type: type.trim().toLowerCase(), params };
}

function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  try {
    return new TextDecoder(charset || 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** Quoted-printable as bytes: `=XX` escapes, soft line breaks, and the transport padding before line ends dropped. */
function quotedPrintableBytes(text: string, underscoreIsSpace = false): Uint8Array {
  const clean = text.replace(/[ \t]+$/gm, '').replace(/=\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < clean.length; i += 1) {
    const char = clean.charAt(i);
    const hex = clean.slice(i + 1, i + 3);
    if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (char === '_' && underscoreIsSpace) {
      bytes.push(0x20);
    } else {
      bytes.push(...new TextEncoder().encode(char));
    }
  }
  return Uint8Array.from(bytes);
}

const base64Bytes = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text.replace(/\s+/g, ''), 'base64'));

/**
 * A header value with its RFC 2047 encoded words (`=?UTF-8?B?…?=`, `=?UTF-8?Q?…?=`) decoded. Adjacent encoded
 * words are joined before decoding (a character may be split across them); the space between them goes.
 */
export function decodeHeader(value: string): string {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  let out = '';
  let last = 0;
  let run: { charset: string; bytes: number[] } | undefined;
  const flush = () => {
    if (run) out += decodeBytes(Uint8Array.from(run.bytes), run.charset);
    run = undefined;
  };
  for (const match of value.matchAll(word)) {
    const between = value.slice(last, match.index);
    const charset = match[1]!.split('*')[0]!.toLowerCase();
    // Only white space between two encoded words: it goes, and their bytes join if their charsets agree.
    const adjacent = run !== undefined && between.trim() === '';
    if (!adjacent || run?.charset !== charset) flush();
    if (!adjacent) out += between;
    const bytes = match[2]!.toUpperCase() === 'B' ? base64Bytes(match[3]!) : quotedPrintableBytes(match[3]!, true);
    run ??= { charset, bytes: [] };
    run.bytes.push(...bytes);
    last = match.index + match[0].length;
  }
  flush();
  return out + value.slice(last);
}

function decodeBody(part: Entity, charset: string | undefined): string {
  const encoding = (part.headers.get('content-transfer-encoding') ?? '7bit').trim().toLowerCase();
  if (encoding === 'base64') return decodeBytes(base64Bytes(part.body), charset);
  if (encoding === 'quoted-printable') return decodeBytes(quotedPrintableBytes(part.body), charset);
  return part.body;
}

/** The parts of a multipart body: what lies between its `--boundary` lines, up to `--boundary--`. */
function multipartParts(body: string, boundary: string): string[] {
  const parts: string[] = [];
  let current: string[] | undefined;
  for (const line of body.split('\n')) {
    const bare = line.trimEnd();
    if (bare === `--${boundary}--`) break;
    if (bare === `--${boundary}`) {
      if (current) parts.push(current.join('\n'));
      current = [];
    } else {
      current?.push(line);
    }
  }
  if (current) parts.push(current.join('\n'));
  return parts;
}

export function parseMime(message: string): MimeContent {
  const root = entity(message.replace(/\r\n?/g, '\n'));
  const found: { text?: string; html?: string } = {};
  const visit = (part: Entity, depth: number) => {
    const { type, params } = contentType(part.headers.get('content-type'));
    const boundary = params.get('boundary');
    if (type.startsWith('multipart/') && boundary && depth < 16) {
      for (const child of multipartParts(part.body, boundary)) visit(entity(child), depth + 1);
      return;
    }
    if (/^\s*attachment/i.test(part.headers.get('content-disposition') ?? '')) return;
    if (type === 'text/plain') found.text ??= decodeBody(part, params.get('charset'));
    if (type === 'text/html') found.html ??= decodeBody(part, params.get('charset'));
  };
  visit(root, 0);
  return { subject: decodeHeader(root.headers.get('subject') ?? ''), text: found.text ?? '', html: found.html ?? '' };
}
