/**
 * Encodes rows for `COPY … FROM STDIN` in PostgreSQL's text format. Shared by both stores so that bulk
 * loads behave identically. Escaping follows the COPY text format: backslash, tab, newline, carriage return.
 */
export function encodeCopyRow(row: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < row.length; i++) {
    if (i > 0) line += '\t';
    line += encodeCopyValue(row[i]);
  }
  return `${line}\n`;
}

export function encodeCopyValue(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  let s: string;
  if (typeof v === 'string') s = v;
  else if (typeof v === 'number' || typeof v === 'bigint') s = String(v);
  else if (typeof v === 'boolean') s = v ? 't' : 'f';
  else if (v instanceof Date) s = v.toISOString();
  else s = JSON.stringify(v);
  return s.replace(/[\\\t\n\r]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
  );
}
