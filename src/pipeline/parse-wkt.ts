/**
 * A small WKT reader for `geoFromWkt` rules: POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING,
 * MULTIPOLYGON and GEOMETRYCOLLECTION, with optional Z / M / ZM and an optional EWKT `SRID=4326;` prefix,
 * into GeoJSON (RFC 7946). Coordinates are read as lon/lat in WGS 84 and range-checked; M values are
 * dropped (GeoJSON has no measure). Other SRIDs are refused rather than silently mislocated.
 *
 * Grammar (OGC 06-103r4 §7.2, simplified):
 *   geometry   := [ 'SRID=' int ';' ] tagged
 *   tagged     := TYPE [ 'Z' | 'M' | 'ZM' ] ( 'EMPTY' | body )
 *   position   := number number [ number [ number ] ]
 *   points     := '(' position { ',' position } ')'
 *   MULTIPOINT := '(' ( position | '(' position ')' ) { ',' … } ')'
 */

export type Position = number[];
export type Geometry =
  | { type: 'Point'; coordinates: Position }
  | { type: 'LineString'; coordinates: Position[] }
  | { type: 'Polygon'; coordinates: Position[][] }
  | { type: 'MultiPoint'; coordinates: Position[] }
  | { type: 'MultiLineString'; coordinates: Position[][] }
  | { type: 'MultiPolygon'; coordinates: Position[][][] }
  | { type: 'GeometryCollection'; geometries: Geometry[] };

export type WktResult = { ok: true; value: Geometry } | { ok: false; error: string };

class WktSyntaxError extends Error {}

const TOKEN = /\s*([A-Za-z]+|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[(),;=])/y;

class Reader {
  private readonly tokens: string[] = [];
  private index = 0;

  constructor(text: string) {
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
      const start = TOKEN.lastIndex;
      const m = TOKEN.exec(text);
      if (!m) {
        const rest = text.slice(start);
        if (/^\s*$/.test(rest)) break;
        const at = start + rest.length - rest.trimStart().length;
        throw new WktSyntaxError(`unexpected character '${text[at]}' at position ${at}`);
      }
      this.tokens.push(m[1]!);
    }
  }

  peek(): string | undefined {
    return this.tokens[this.index];
  }

  next(): string {
    const token = this.tokens[this.index++];
    if (token === undefined) throw new WktSyntaxError('unexpected end of text');
    return token;
  }

  expect(token: string): void {
    const got = this.next();
    if (got.toUpperCase() !== token) throw new WktSyntaxError(`expected '${token}' but found '${got}'`);
  }

  accept(token: string): boolean {
    if (this.peek()?.toUpperCase() !== token) return false;
    this.index++;
    return true;
  }

  atEnd(): boolean {
    return this.index >= this.tokens.length;
  }
}

interface Dims {
  hasZ: boolean;
  hasM: boolean;
}

function readNumber(r: Reader): number {
  const token = r.next();
  const n = Number(token);
  if (!/^[-+.\d]/.test(token) || !Number.isFinite(n))
    throw new WktSyntaxError(`expected a number but found '${token}'`);
  return n;
}

function readPosition(r: Reader, dims: Dims): Position {
  const values = [readNumber(r), readNumber(r)];
  while (/^[-+.\d]/.test(r.peek() ?? '')) values.push(readNumber(r));
  const expected = 2 + (dims.hasZ ? 1 : 0) + (dims.hasM ? 1 : 0);
  // Untagged 3D (`POINT (1 2 3)`) is common in the wild and read as Z.
  if (values.length > 4 || (values.length !== expected && (dims.hasZ || dims.hasM))) {
    throw new WktSyntaxError(`a position has ${values.length} values, expected ${expected}`);
  }
  const [lon, lat] = values as [number, number];
  if (lon < -180 || lon > 180) throw new WktSyntaxError(`longitude ${lon} is outside -180..180`);
  if (lat < -90 || lat > 90) throw new WktSyntaxError(`latitude ${lat} is outside -90..90`);
  const z = dims.hasM && values.length === 3 ? undefined : values[2];
  return z === undefined ? [lon, lat] : [lon, lat, z];
}

function readList<T>(r: Reader, item: () => T): T[] {
  r.expect('(');
  const items = [item()];
  while (r.accept(',')) items.push(item());
  r.expect(')');
  return items;
}

function readRing(r: Reader, dims: Dims): Position[] {
  const ring = readList(r, () => readPosition(r, dims));
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (ring.length < 4 || first[0] !== last[0] || first[1] !== last[1]) {
    throw new WktSyntaxError('a polygon ring needs at least 4 positions and must end where it starts');
  }
  return ring;
}

function readLine(r: Reader, dims: Dims): Position[] {
  const line = readList(r, () => readPosition(r, dims));
  if (line.length < 2) throw new WktSyntaxError('a linestring needs at least 2 positions');
  return line;
}

function readMultiPointMember(r: Reader, dims: Dims): Position {
  if (!r.accept('(')) return readPosition(r, dims);
  const position = readPosition(r, dims);
  r.expect(')');
  return position;
}

function readTagged(r: Reader): Geometry {
  const type = r.next().toUpperCase();
  const dims: Dims = { hasZ: false, hasM: false };
  const tag = r.peek()?.toUpperCase();
  if (tag === 'Z' || tag === 'M' || tag === 'ZM') {
    r.next();
    dims.hasZ = tag.includes('Z');
    dims.hasM = tag.includes('M');
  }
  const empty = r.accept('EMPTY');
  switch (type) {
    case 'POINT':
      if (empty) throw new WktSyntaxError('POINT EMPTY has no GeoJSON equivalent');
      return { type: 'Point', coordinates: readList(r, () => readPosition(r, dims))[0]! };
    case 'LINESTRING':
      return { type: 'LineString', coordinates: empty ? [] : readLine(r, dims) };
    case 'POLYGON':
      return { type: 'Polygon', coordinates: empty ? [] : readList(r, () => readRing(r, dims)) };
    case 'MULTIPOINT':
      return {
        type: 'MultiPoint',
        coordinates: empty ? [] : readList(r, () => readMultiPointMember(r, dims)),
      };
    case 'MULTILINESTRING':
      return { type: 'MultiLineString', coordinates: empty ? [] : readList(r, () => readLine(r, dims)) };
    case 'MULTIPOLYGON':
      return {
        type: 'MultiPolygon',
        coordinates: empty ? [] : readList(r, () => readList(r, () => readRing(r, dims))),
      };
    case 'GEOMETRYCOLLECTION':
      return { type: 'GeometryCollection', geometries: empty ? [] : readList(r, () => readTagged(r)) };
    default:
      throw new WktSyntaxError(`unknown geometry type '${type}'`);
  }
}

/** Parses WKT or EWKT; never throws. */
export function parseWkt(text: string): WktResult {
  try {
    const r = new Reader(text);
    if (r.accept('SRID')) {
      r.expect('=');
      const srid = readNumber(r);
      r.expect(';');
      if (srid !== 4326) return { ok: false, error: `SRID ${srid} is not supported; only 4326 (WGS 84)` };
    }
    const geometry = readTagged(r);
    if (!r.atEnd()) throw new WktSyntaxError(`unexpected '${r.peek()}' after the geometry`);
    return { ok: true, value: geometry };
  } catch (err) {
    if (err instanceof WktSyntaxError) return { ok: false, error: `invalid WKT: ${err.message}` };
    throw err;
  }
}
