/**
 * Tokenizer for the OData expression syntax used by SensorThings API 1.1 (OGC 18-088 §9.3, which
 * references the OData 4.0 URL Conventions and ABNF). It turns one query option value into tokens:
 *
 *   ident    odataIdentifier, optionally dotted (`geo.distance`) or `@`-prefixed (`@iot.id`)
 *   literal  'string' (with '' escape), number (integer, decimal, exponent), date `2010-06-01`,
 *            dateTimeOffset `2010-06-01T00:00:00.000Z` / `…+02:00`, time `12:00:00`,
 *            interval `2010-06-01T00:00:00Z/2010-07-01T00:00:00Z`,
 *            duration'P1DT3H', geography'SRID=4326;POINT(30 10)', geometry'…'
 *   punct    ( ) , / -
 *
 * Keywords (`and`, `true`, …) stay identifiers: whether `null` is a literal or a property name depends on
 * where it stands (`properties/null`), which only the parser knows. A lexical error does not throw here;
 * it ends the token list with an `error` token, so that the parser reports the leftmost problem first.
 */
import { QuerySyntaxError } from '../../../core/errors/bad-request.ts';
import type { LiteralExpr } from '../../../core/query/ast.ts';

/** Limits that keep hostile input from costing more than a small, bounded amount of work and stack. */
export const MAX_OPTION_LENGTH = 10_000;
export const MAX_DEPTH = 100;

/** Where an option's text sits: errors are reported under `option` at `offset` + local index. */
export interface Ctx {
  option: string;
  offset: number;
  /** For a value nested in `$expand`: the `;` or `)` that ends it, reported instead of "end of input". */
  terminator?: string;
}

export function clip(token: string): string {
  return token.length > 40 ? `${token.slice(0, 40)}…` : token;
}

/** Throws the one error type of this parser; `detail` already names the token. */
export function fail(ctx: Ctx, pos: number, token: string, detail: string): never {
  const at = ctx.offset + pos;
  throw new QuerySyntaxError(`${ctx.option}: ${detail} at position ${at}`, ctx.option, at, token);
}

export function checkLength(text: string, ctx: Ctx): void {
  if (text.length > MAX_OPTION_LENGTH) {
    fail(ctx, MAX_OPTION_LENGTH, '', `option value longer than ${MAX_OPTION_LENGTH} characters`);
  }
}

export interface Token {
  kind: 'ident' | 'literal' | 'punct' | 'eof' | 'error';
  /** Source text of the token (empty for `eof`). */
  text: string;
  pos: number;
  end: number;
  literal?: LiteralExpr;
  /** For `error` tokens: what is wrong. */
  detail?: string;
}

const ID = String.raw`[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Nd}\p{Mn}\p{Mc}\p{Pc}\p{Cf}]*`;
const IDENT = new RegExp(`@?${ID}(?:\\.${ID})*`, 'uy');
const NAME = new RegExp(ID, 'uy');
const DATE_TIME =
  /(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,12})?)?(?:[Zz]|[+-](\d{2}):(\d{2}))?)?/y;
const TIME = /(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,12})?)?/y;
const NUMBER = /\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** The "word" reported when a literal is malformed: everything up to the next delimiter. */
const RUN = /[^\s(),/';]+/y;
// ISO 8601 duration. OData 4.0 (durationValue) allows only D/H/M/S; years, months and weeks are accepted
// too because the database interval type understands them and clients send them.
const DURATION =
  /^-?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;
const WKT_TYPES =
  /^(?:POINT|LINESTRING|POLYGON|MULTIPOINT|MULTILINESTRING|MULTIPOLYGON|GEOMETRYCOLLECTION)(?:\s*(?:Z|M|ZM))?\s*(?:EMPTY|\(.*\))$/is;
const WKT_BODY = /^[\sA-Za-z0-9.,()+-]*$/;
const DE9IM = /^[TF012*]{9}$/i;

/** The plain identifier (no dots, no `@`) starting at `at`, if any: a navigation property name. */
export function readName(text: string, at: number): string | null {
  return match(NAME, text, at)?.[0] ?? null;
}

/** The offending "word" at `at` for an error message: everything up to the next delimiter. */
export function wordAt(text: string, at: number): string {
  return match(RUN, text, at)?.[0] ?? text.charAt(at);
}

function match(re: RegExp, text: string, at: number): RegExpExecArray | null {
  re.lastIndex = at;
  return re.exec(text);
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** A numeric-looking literal must end at whitespace, a bracket, a comma, a slash or the end. */
function atBoundary(c: string | undefined): boolean {
  return c === undefined || isSpace(c) || c === '(' || c === ')' || c === ',' || c === '/';
}

function daysInMonth(y: number, m: number): number {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] ?? 0;
}

/** Reads a '…' string starting at `start` (the quote); `''` stands for one quote (OData ABNF SQUOTE-in-string). */
function readQuoted(text: string, start: number): { value: string; end: number } | null {
  let value = '';
  let from = start + 1;
  for (;;) {
    const q = text.indexOf("'", from);
    if (q < 0) return null;
    value += text.slice(from, q);
    if (text[q + 1] !== "'") return { value, end: q + 1 };
    value += "'";
    from = q + 2;
  }
}

function errorToken(pos: number, text: string, detail: string): Token {
  return { kind: 'error', text, pos, end: pos + text.length, detail };
}

function literalToken(pos: number, end: number, text: string, literal: LiteralExpr): Token {
  return { kind: 'literal', text, pos, end, literal: { ...literal, pos } };
}

/** A date or date-time at `pos` (ending at a delimiter), with what is wrong with it if anything. */
function dateAt(
  text: string,
  pos: number,
): { src: string; type: 'date' | 'datetime'; error?: string } | null {
  const m = match(DATE_TIME, text, pos);
  if (!m || !atBoundary(text[pos + m[0].length])) return null;
  const src = m[0];
  const [y, mo, d, h, mi, s, oh, om] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  if (mo! < 1 || mo! > 12 || d! < 1 || d! > daysInMonth(y!, mo!))
    return { src, type: 'date', error: 'invalid date' };
  if (m[4] === undefined) return { src, type: 'date' };
  if (h! > 23 || mi! > 59 || s! > 59 || oh! > 23 || om! > 59) {
    return { src, type: 'datetime', error: 'invalid date-time' };
  }
  // OData dateTimeOffsetValue requires a zone; guessing one would silently shift every comparison.
  if (!/(?:[Zz]|[+-]\d{2}:\d{2})$/.test(src)) {
    return { src, type: 'datetime', error: 'date-time without time zone (Z or ±hh:mm)' };
  }
  return { src, type: 'datetime' };
}

/** Dates, times, date-times, intervals and numbers all start with a digit; the first well-formed reading wins. */
function lexNumeric(text: string, pos: number): Token {
  const word = wordAt(text, pos);
  const invalid = (why = 'invalid literal', w = word) => errorToken(pos, w, `${why} '${clip(w)}'`);
  const date = dateAt(text, pos);
  if (date) {
    if (date.error) return invalid(date.error);
    const end = pos + date.src.length;
    if (date.type === 'date' || text[end] !== '/')
      return literalToken(pos, end, date.src, lit(date.type, date.src));
    // `start/end`: a time interval literal as used by the STA 1.1 interval functions (before, during, …).
    const second = dateAt(text, end + 1);
    const src = second
      ? text.slice(pos, end + 1 + second.src.length)
      : `${date.src}/${wordAt(text, end + 1)}`;
    if (second?.type !== 'datetime' || second.error) return invalid('invalid interval', src);
    return literalToken(pos, pos + src.length, src, lit('interval', src));
  }
  let m = match(TIME, text, pos);
  if (m && atBoundary(text[m.index + m[0].length])) {
    const [h, mi, s] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
    if (h! > 23 || mi! > 59 || s! > 59) return invalid('invalid time');
    return literalToken(pos, pos + m[0].length, m[0], lit('time', m[0]));
  }
  m = match(NUMBER, text, pos);
  if (!m || !atBoundary(text[pos + m[0].length])) return invalid();
  const value = Number(m[0]);
  if (!Number.isFinite(value)) return invalid('number out of range');
  const isInteger = /^\d+$/.test(m[0]) && Number.isSafeInteger(value);
  return literalToken(pos, pos + m[0].length, m[0], { kind: 'literal', type: 'number', value, isInteger });
}

function lit(type: LiteralExpr['type'], value: string): LiteralExpr {
  return { kind: 'literal', type, value };
}

/**
 * `geography'…'` / `geometry'…'` (OData geographyPrefix/geometryPrefix with an EWKT-like body
 * `[SRID=n;]WKT`). The WKT is only checked for shape here (known type, balanced parentheses, plausible
 * characters); PostGIS validates coordinates. OData says geography defaults to SRID 4326.
 */
function geometryLiteral(prefix: string, body: string): LiteralExpr | string {
  const m = /^\s*(?:SRID=(\d{1,9});)?\s*([\s\S]*?)\s*$/i.exec(body);
  const wkt = m?.[2] ?? '';
  if (!WKT_TYPES.test(wkt) || !WKT_BODY.test(wkt)) return 'invalid WKT';
  let depth = 0;
  for (const c of wkt) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return 'unbalanced parentheses in WKT';
  }
  if (depth !== 0) return 'unbalanced parentheses in WKT';
  const srid = m?.[1] !== undefined ? Number(m[1]) : prefix === 'geography' ? 4326 : undefined;
  return srid === undefined ? lit('geometry', wkt) : { ...lit('geometry', wkt), srid };
}

function typedLiteral(text: string, pos: number, prefix: string): Token {
  const start = pos + prefix.length;
  const q = readQuoted(text, start);
  if (!q)
    return errorToken(start, text.slice(start), `unterminated string literal '${clip(text.slice(start))}'`);
  const src = text.slice(pos, q.end);
  const kind = prefix.toLowerCase();
  if (kind === 'duration') {
    if (!DURATION.test(q.value)) return errorToken(pos, src, `invalid duration '${clip(src)}'`);
    return literalToken(pos, q.end, src, lit('duration', q.value));
  }
  const g = geometryLiteral(kind, q.value);
  if (typeof g === 'string') return errorToken(pos, src, `${g} in '${clip(src)}'`);
  return literalToken(pos, q.end, src, g);
}

/** True when `s` is a valid DE-9IM intersection pattern, the third argument of `st_relate` (OGC 06-103r4). */
export function isDe9imPattern(s: string): boolean {
  return DE9IM.test(s);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    let tok: Token;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',' || c === '/' || c === '-') {
      tok = { kind: 'punct', text: c, pos: i, end: i + 1 };
    } else if (c === "'") {
      const q = readQuoted(text, i);
      tok = q
        ? literalToken(i, q.end, text.slice(i, q.end), lit('string', q.value))
        : errorToken(i, text.slice(i), `unterminated string literal '${clip(text.slice(i))}'`);
    } else if (c >= '0' && c <= '9') {
      tok = lexNumeric(text, i);
    } else {
      const m = match(IDENT, text, i);
      if (m) {
        const word = m[0];
        const typed = /^(?:duration|geography|geometry)$/i.test(word) && text[i + word.length] === "'";
        tok = typed
          ? typedLiteral(text, i, word)
          : { kind: 'ident', text: word, pos: i, end: i + word.length };
      } else {
        const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
        tok = errorToken(i, ch, `unexpected character '${ch}'`);
      }
    }
    tokens.push(tok);
    if (tok.kind === 'error') return tokens;
    i = tok.end;
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length, end: text.length });
  return tokens;
}

/** A cursor over the tokens; looking at an `error` token throws its lexical error. */
export class TokenStream {
  private i = 0;
  private readonly tokens: Token[];
  readonly ctx: Ctx;

  /**
   * Token (and AST) positions are made absolute right away, so a `$filter` nested in `$expand` carries
   * offsets into the `$expand` text, the same positions its errors are reported at.
   */
  constructor(text: string, ctx: Ctx) {
    const shift = ctx.offset;
    this.tokens = tokenize(text).map((t) =>
      shift === 0
        ? t
        : {
            ...t,
            pos: t.pos + shift,
            end: t.end + shift,
            literal: t.literal && { ...t.literal, pos: t.pos + shift },
          },
    );
    const last = this.tokens.at(-1);
    if (last?.kind === 'eof' && ctx.terminator) last.text = ctx.terminator;
    this.ctx = { option: ctx.option, offset: 0 };
  }

  peek(ahead = 0): Token {
    const t = this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)]!;
    if (t.kind === 'error') fail(this.ctx, t.pos, t.text, t.detail ?? 'invalid token');
    return t;
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.i++;
    return t;
  }

  isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === p;
  }

  isWord(w: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'ident' && t.text === w;
  }

  expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.unexpected(this.peek(), `'${p}'`);
    return this.next();
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'eof') this.unexpected(t);
  }

  unexpected(t: Token, expected?: string): never {
    const what =
      t.kind === 'eof' && t.text === '' ? 'unexpected end of input' : `unexpected token '${clip(t.text)}'`;
    fail(this.ctx, t.pos, t.text, expected ? `${what}, expected ${expected}` : what);
  }
}
