/**
 * Date parsing for `toDate` rules: a format is compiled once into a parser that turns a source value into
 * an ISO 8601 UTC string (`2016-01-01T00:00:00.000Z`).
 *
 * Formats:
 * - `iso` (the default): ISO 8601 / RFC 3339, `2016-11-30`, `2016-11-30T07:00`, `2016-11-30T07:00:00.00Z`,
 *   `2016-11-30 07:00:00+01:00`. Without an offset the value is read in the rule's timezone.
 * - `epoch` / `epochMillis`: seconds / milliseconds since 1970-01-01T00:00Z, as a number or numeric string.
 * - a pattern of the tokens `yyyy yy MM M dd d HH H mm m ss s S…` and the zone offset tokens (one, two or three `X`) and literal text, e.g.
 *   `dd.MM.yyyy HH:mm`, `M/d/yyyy H:mm`, `yyyyMMdd'T'HHmmss`. Text in single quotes is literal.
 *   `M` accepts one or two digits, `MM` exactly two (likewise d, H, m, s). `S…` is a fraction of a second.
 *   `X` reads an offset (`Z`, `+01`, `+0100`, `+01:00`) that then wins over the timezone.
 *
 * Timezone: an IANA name (`Europe/Berlin`) or `UTC`, resolved with Intl; local times that fall into a
 * daylight-saving gap are shifted forward by the gap; in the repeated hour they take the second
 * (standard-time) instant.
 */

export type DateParseResult = { ok: true; value: string } | { ok: false; error: string };
export type DateParser = (value: unknown) => DateParseResult;

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  /** Minutes east of UTC, when the value carries its own offset. */
  offset?: number;
}

type FieldSetter = (fields: Fields, text: string) => void;

const TOKENS: Readonly<Record<string, { pattern: string; set: FieldSetter }>> = {
  yyyy: { pattern: '(\\d{4})', set: (f, t) => (f.year = Number(t)) },
  yy: { pattern: '(\\d{2})', set: (f, t) => (f.year = 2000 + Number(t)) },
  MM: { pattern: '(\\d{2})', set: (f, t) => (f.month = Number(t)) },
  M: { pattern: '(\\d{1,2})', set: (f, t) => (f.month = Number(t)) },
  dd: { pattern: '(\\d{2})', set: (f, t) => (f.day = Number(t)) },
  d: { pattern: '(\\d{1,2})', set: (f, t) => (f.day = Number(t)) },
  HH: { pattern: '(\\d{2})', set: (f, t) => (f.hour = Number(t)) },
  H: { pattern: '(\\d{1,2})', set: (f, t) => (f.hour = Number(t)) },
  mm: { pattern: '(\\d{2})', set: (f, t) => (f.minute = Number(t)) },
  m: { pattern: '(\\d{1,2})', set: (f, t) => (f.minute = Number(t)) },
  ss: { pattern: '(\\d{2})', set: (f, t) => (f.second = Number(t)) },
  s: { pattern: '(\\d{1,2})', set: (f, t) => (f.second = Number(t)) },
  S: { pattern: '(\\d+)', set: (f, t) => (f.millis = fractionToMillis(t)) },
  X: { pattern: '(Z|[+-]\\d{2}(?::?\\d{2})?)', set: (f, t) => (f.offset = parseOffset(t)) },
};

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function fractionToMillis(digits: string): number {
  return Math.floor(Number(`0.${digits}`) * 1000);
}

function parseOffset(text: string): number {
  if (text === 'Z' || text === 'z') return 0;
  const sign = text.startsWith('-') ? -1 : 1;
  const digits = text.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0'));
}

interface CompiledPattern {
  regex: RegExp;
  setters: FieldSetter[];
}

/** Splits a pattern into tokens; returns an error message for letters that are no token. */
function compilePattern(format: string): CompiledPattern | string {
  let source = '';
  const setters: FieldSetter[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (ch === "'") {
      const end = format.indexOf("'", i + 1);
      if (end < 0) return `unterminated quote in date format '${format}'`;
      source += escapeRegex(format.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(ch)) {
      source += escapeRegex(ch);
      i++;
      continue;
    }
    let j = i;
    while (format[j] === ch) j++;
    const run = format.slice(i, j);
    const token = ch === 'S' ? 'S' : ch === 'X' && run.length <= 3 ? 'X' : run;
    const def = TOKENS[token];
    if (!def) return `unknown token '${run}' in date format '${format}'`;
    source += def.pattern;
    setters.push(def.set);
    seen.add(ch);
    i = j;
  }
  if (!seen.has('y') || !seen.has('M') || !seen.has('d')) {
    return `date format '${format}' needs a year (yyyy), a month (MM) and a day (dd)`;
  }
  return { regex: new RegExp(`^${source}$`), setters };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Why a format is unusable, or undefined. */
export function checkDateFormat(format: string): string | undefined {
  if (format === 'iso' || format === 'epoch' || format === 'epochMillis') return undefined;
  const compiled = compilePattern(format);
  return typeof compiled === 'string' ? compiled : undefined;
}

/** Why a timezone is unusable, or undefined. */
export function checkTimezone(timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    return `unknown timezone '${timezone}'; use an IANA name such as 'Europe/Berlin' or 'UTC'`;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
/**
 * Offsets by zone and quarter hour: Intl's formatToParts costs microseconds per call and real feeds are
 * dense in time, so most lookups hit. Zone transitions fall on quarter hours, so a slot has one offset.
 */
const offsets = new Map<string, number>();
const SLOT_MS = 15 * 60_000;
const MAX_CACHED_OFFSETS = 50_000;

/** Offset of `timezone` from UTC at the instant `epochMs`, in milliseconds. */
function zoneOffsetMs(timezone: string, epochMs: number): number {
  const key = `${timezone} ${Math.floor(epochMs / SLOT_MS)}`;
  let offset = offsets.get(key);
  if (offset === undefined) {
    offset = computeZoneOffsetMs(timezone, epochMs);
    if (offsets.size >= MAX_CACHED_OFFSETS) offsets.clear();
    offsets.set(key, offset);
  }
  return offset;
}

function computeZoneOffsetMs(timezone: string, epochMs: number): number {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timezone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(epochMs)) parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - Math.floor(epochMs / 1000) * 1000;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function fieldsToIso(f: Fields, timezone: string): DateParseResult {
  if (f.month < 1 || f.month > 12) return { ok: false, error: `month ${f.month} is out of range` };
  if (f.day < 1 || f.day > daysInMonth(f.year, f.month)) {
    return {
      ok: false,
      error: `day ${f.day} is out of range for ${f.year}-${String(f.month).padStart(2, '0')}`,
    };
  }
  if (f.hour > 23 || f.minute > 59 || f.second > 59) {
    return { ok: false, error: `time ${f.hour}:${f.minute}:${f.second} is out of range` };
  }
  const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second, f.millis);
  let epoch: number;
  if (f.offset !== undefined) epoch = wall - f.offset * 60_000;
  else if (timezone === 'UTC') epoch = wall;
  else {
    const first = zoneOffsetMs(timezone, wall);
    epoch = wall - first;
    const second = zoneOffsetMs(timezone, epoch);
    if (second !== first) epoch = wall - second;
  }
  return { ok: true, value: new Date(epoch).toISOString() };
}

function emptyFields(): Fields {
  return { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0, millis: 0 };
}

function parseIso(text: string, timezone: string): DateParseResult {
  const m = ISO.exec(text.trim());
  if (!m) return { ok: false, error: `'${text}' is not an ISO 8601 date` };
  const f: Fields = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    millis: m[7] ? fractionToMillis(m[7]) : 0,
  };
  if (m[8]) f.offset = parseOffset(m[8].toUpperCase());
  return fieldsToIso(f, timezone);
}

function parseEpoch(value: unknown, unitMs: number): DateParseResult {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n)) {
    return {
      ok: false,
      error: `${JSON.stringify(value)} is not a number of ${unitMs === 1 ? 'milli' : ''}seconds`,
    };
  }
  const date = new Date(n * unitMs);
  if (Number.isNaN(date.getTime())) return { ok: false, error: `${n} is out of range` };
  return { ok: true, value: date.toISOString() };
}

/** Compiles a format and timezone already accepted by `checkDateFormat` / `checkTimezone`. */
export function createDateParser(format = 'iso', timezone = 'UTC'): DateParser {
  if (format === 'epoch') return (value) => parseEpoch(value, 1000);
  if (format === 'epochMillis') return (value) => parseEpoch(value, 1);
  const notString = (value: unknown): DateParseResult => ({
    ok: false,
    error: `expected a date string, got ${JSON.stringify(value)}`,
  });
  if (format === 'iso') {
    return (value) => (typeof value === 'string' ? parseIso(value, timezone) : notString(value));
  }
  const compiled = compilePattern(format);
  if (typeof compiled === 'string') throw new Error(compiled);
  return (value) => {
    if (typeof value !== 'string') return notString(value);
    const m = compiled.regex.exec(value.trim());
    if (!m) return { ok: false, error: `'${value}' does not match the date format '${format}'` };
    const fields = emptyFields();
    for (const [i, set] of compiled.setters.entries()) set(fields, m[i + 1]!);
    return fieldsToIso(fields, timezone);
  };
}
