/**
 * Unit conversion for `toNumber` rules. Every unit is a linear map onto its dimension's base unit,
 * `base = value * factor + offset`, so adding a unit is one line in `UNITS`. Codes follow common usage
 * (and UCUM where it is readable); `aliases` accept the spellings seen in real feeds.
 */

export type Dimension = 'temperature' | 'length' | 'speed' | 'pressure' | 'volume' | 'mass' | 'ratio';

interface UnitDefinition {
  dimension: Dimension;
  /** Multiply by this to reach the base unit (K, m, m/s, Pa, m3, kg, ratio). */
  factor: number;
  offset?: number;
  aliases?: readonly string[];
}

const UNITS: Readonly<Record<string, UnitDefinition>> = {
  K: { dimension: 'temperature', factor: 1 },
  degC: { dimension: 'temperature', factor: 1, offset: 273.15, aliases: ['°C', 'Cel', 'celsius'] },
  degF: { dimension: 'temperature', factor: 5 / 9, offset: (459.67 * 5) / 9, aliases: ['°F', 'fahrenheit'] },

  m: { dimension: 'length', factor: 1 },
  km: { dimension: 'length', factor: 1000 },
  cm: { dimension: 'length', factor: 0.01 },
  mm: { dimension: 'length', factor: 0.001 },
  mi: { dimension: 'length', factor: 1609.344 },
  ft: { dimension: 'length', factor: 0.3048 },
  in: { dimension: 'length', factor: 0.0254 },

  'm/s': { dimension: 'speed', factor: 1, aliases: ['m.s-1'] },
  'km/h': { dimension: 'speed', factor: 1000 / 3600, aliases: ['kph', 'km.h-1'] },
  mph: { dimension: 'speed', factor: 0.44704 },
  kn: { dimension: 'speed', factor: 1852 / 3600, aliases: ['kt', 'knot'] },

  Pa: { dimension: 'pressure', factor: 1 },
  hPa: { dimension: 'pressure', factor: 100 },
  kPa: { dimension: 'pressure', factor: 1000 },
  bar: { dimension: 'pressure', factor: 100_000 },
  mbar: { dimension: 'pressure', factor: 100 },
  atm: { dimension: 'pressure', factor: 101_325 },
  psi: { dimension: 'pressure', factor: 6894.757293168 },

  m3: { dimension: 'volume', factor: 1, aliases: ['m³'] },
  L: { dimension: 'volume', factor: 0.001, aliases: ['l'] },
  mL: { dimension: 'volume', factor: 0.000_001, aliases: ['ml'] },
  gal: { dimension: 'volume', factor: 0.003785411784, aliases: ['galUS'] },

  kg: { dimension: 'mass', factor: 1 },
  g: { dimension: 'mass', factor: 0.001 },
  mg: { dimension: 'mass', factor: 0.000_001 },
  t: { dimension: 'mass', factor: 1000 },
  lb: { dimension: 'mass', factor: 0.45359237 },
  oz: { dimension: 'mass', factor: 0.028349523125 },

  ratio: { dimension: 'ratio', factor: 1, aliases: ['1'] },
  percent: { dimension: 'ratio', factor: 0.01, aliases: ['%'] },
};

const BY_NAME: ReadonlyMap<string, UnitDefinition> = new Map(
  Object.entries(UNITS).flatMap(([code, def]) => [
    [code, def] as const,
    ...(def.aliases ?? []).map((alias) => [alias, def] as const),
  ]),
);

/** Every accepted unit code (without aliases), for error messages and docs. */
export const UNIT_CODES: readonly string[] = Object.keys(UNITS);

export function unitDimension(unit: string): Dimension | undefined {
  return BY_NAME.get(unit)?.dimension;
}

/** Why `from → to` cannot be converted, or undefined when it can. */
export function checkConversion(from: string, to: string): string | undefined {
  const a = BY_NAME.get(from);
  const b = BY_NAME.get(to);
  if (!a) return `unknown unit '${from}'`;
  if (!b) return `unknown unit '${to}'`;
  if (a.dimension !== b.dimension) {
    return `cannot convert ${a.dimension} '${from}' to ${b.dimension} '${to}'`;
  }
  return undefined;
}

/**
 * A converter for a pair already accepted by `checkConversion`. Results are rounded to 12 significant
 * digits so that 212 degF gives 100 degC, not 100.00000000000006.
 */
export function createConverter(from: string, to: string): (value: number) => number {
  const problem = checkConversion(from, to);
  if (problem) throw new Error(problem);
  const a = BY_NAME.get(from)!;
  const b = BY_NAME.get(to)!;
  if (a === b) return (value) => value;
  return (value) => {
    const base = value * a.factor + (a.offset ?? 0);
    return Number(((base - (b.offset ?? 0)) / b.factor).toPrecision(12));
  };
}
