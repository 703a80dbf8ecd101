import type { SecretBox } from '../crypto/secret-box.ts';
import type { JsonSchema } from './connector.ts';

/**
 * Secrets in connector configs. A connector's config schema marks each secret member with the standard
 * JSON Schema annotation `writeOnly: true` (accepted by fastify's Ajv and meaning "sent, never returned"
 * in OpenAPI); `additionalProperties: { writeOnly: true }` makes every value of a map secret (HTTP
 * headers). The control plane seals secrets before storing a config, opens them only to run a connector,
 * and masks them in every answer and log line.
 */
export const SECRET_MASK = '********';

/** Paths of secret members; `*` stands for any key of a map. */
export function secretPaths(schema: JsonSchema, prefix: readonly string[] = []): string[][] {
  const out: string[][] = [];
  if (schema.writeOnly === true) out.push([...prefix]);
  const props = schema.properties as Record<string, JsonSchema> | undefined;
  for (const [key, sub] of Object.entries(props ?? {})) out.push(...secretPaths(sub, [...prefix, key]));
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') out.push(...secretPaths(extra as JsonSchema, [...prefix, '*']));
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    for (const sub of (schema[key] as JsonSchema[] | undefined) ?? []) out.push(...secretPaths(sub, prefix));
  }
  return dedupe(out);
}

function dedupe(paths: string[][]): string[][] {
  const seen = new Set<string>();
  return paths.filter((p) => {
    const k = JSON.stringify(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

type Transform = (value: string, path: string[]) => unknown;

/** A deep copy of `config` with `fn` applied to every string at a secret path. */
function mapSecrets<C>(config: C, schema: JsonSchema, fn: Transform): C {
  const copy = structuredClone(config) as unknown;
  for (const path of secretPaths(schema)) visit(copy, path, [], fn);
  return copy as C;
}

function visit(node: unknown, path: string[], at: string[], fn: Transform): void {
  if (node === null || typeof node !== 'object') return;
  const [head, ...rest] = path;
  if (head === undefined) return;
  const obj = node as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(obj) : Object.hasOwn(obj, head) ? [head] : [];
  for (const key of keys) {
    if (rest.length > 0) visit(obj[key], rest, [...at, key], fn);
    else if (typeof obj[key] === 'string') obj[key] = fn(obj[key] as string, [...at, key]);
  }
}

/** Encrypts every secret (AES-256-GCM through the instance's SecretBox) for storage. */
export function sealSecrets<C>(config: C, schema: JsonSchema, box: SecretBox): C {
  return mapSecrets(config, schema, (v) => box.seal(v));
}

/** Decrypts every secret of a stored config, to run the connector with it. */
export function openSecrets<C>(config: C, schema: JsonSchema, box: SecretBox): C {
  return mapSecrets(config, schema, (v) => box.open(v));
}

/** Replaces every secret by `********`, for answers and logs. */
export function maskSecrets<C>(config: C, schema: JsonSchema): C {
  return mapSecrets(config, schema, () => SECRET_MASK);
}

/**
 * For an update: a secret sent back as `********` (the masked value the client was shown) keeps the
 * stored sealed value; any other value is new plain text, to be sealed by the caller.
 */
export function keepMaskedSecrets<C>(incoming: C, stored: C, schema: JsonSchema): C {
  return mapSecrets(incoming, schema, (v, path) => {
    if (v !== SECRET_MASK) return v;
    const old = path.reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], stored);
    return typeof old === 'string' ? old : v;
  });
}

/** All plain secret values of a config (for redacting messages). */
export function secretValues(config: unknown, schema: JsonSchema): string[] {
  const out: string[] = [];
  mapSecrets(config, schema, (v) => {
    if (v.length > 0 && v !== SECRET_MASK) out.push(v);
    return v;
  });
  return out;
}

/** A message with every secret of `config` (plain and URL-encoded) replaced by `********`. */
export function redactSecrets(message: string, config: unknown, schema: JsonSchema): string {
  let out = message;
  for (const secret of secretValues(config, schema)) {
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join(SECRET_MASK);
  }
  return out;
}
