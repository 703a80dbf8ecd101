/**
 * One set of result parsers for both stores (PostgreSQL type OIDs). Keeping them in one place is what
 * makes PGlite and PostgreSQL return identical JavaScript values.
 */
export const OID = {
  INT8: 20,
  NUMERIC: 1700,
  TIMESTAMPTZ: 1184,
  TIMESTAMP: 1114,
  DATE: 1082,
} as const;

/** '2024-05-01 12:00:00.5+00' → '2024-05-01T12:00:00.500Z' (sessions run with TimeZone=UTC). */
export function parseTimestamptz(text: string): string {
  if (text === 'infinity' || text === '-infinity') return text;
  const m = /^(\d{4,}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(\.\d+)?([+-]\d\d(?::?\d\d)?)?$/.exec(text);
  if (!m) return text;
  const frac = (m[3] ?? '.').padEnd(4, '0');
  const tz = m[4];
  if (!tz || /^[+-]00(:?00)?$/.test(tz)) return `${m[1]}T${m[2]}${frac}Z`;
  return new Date(`${m[1]}T${m[2]}${m[3] ?? ''}${tz.length === 3 ? `${tz}:00` : tz}`).toISOString();
}

export function parseInt8(text: string): number {
  return Number(text);
}

export function parseNumeric(text: string): number {
  return Number(text);
}

export const resultParsers: Record<number, (text: string) => unknown> = {
  [OID.INT8]: parseInt8,
  [OID.NUMERIC]: parseNumeric,
  [OID.TIMESTAMPTZ]: parseTimestamptz,
  [OID.TIMESTAMP]: (t) => t.replace(' ', 'T'),
  [OID.DATE]: (t) => t,
};
