import { BadRequestError } from '../errors/bad-request.ts';
import { ConflictError } from '../errors/conflict.ts';

/**
 * JSON Patch (RFC 6902) over JSON Pointers (RFC 6901), applied to a plain JSON document. Pure: returns a
 * new document. A malformed patch is a 400 naming the operation (`ops[2].path`); a failed `test` is a 409
 * (RFC 5789 §2.2: the patch is fine, the resource's state does not match it).
 */

export interface PatchOperation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

type Container = Record<string, unknown> | unknown[];

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function bad(message: string, field: string): BadRequestError {
  return new BadRequestError(message, { field });
}

/** Checks the shape of a patch document (an array of operations). */
export function parsePatch(body: unknown): PatchOperation[] {
  if (!Array.isArray(body)) throw bad('A JSON Patch document must be an array of operations', '');
  return body.map((op, i) => {
    const f = `ops[${i}]`;
    if (typeof op !== 'object' || op === null || Array.isArray(op)) throw bad(`${f} must be an object`, f);
    const o = op as Record<string, unknown>;
    if (typeof o.op !== 'string' || !OPS.has(o.op))
      throw bad(`${f}.op must be one of ${[...OPS].join(', ')}`, `${f}.op`);
    if (typeof o.path !== 'string') throw bad(`${f}.path must be a JSON Pointer string`, `${f}.path`);
    if ((o.op === 'move' || o.op === 'copy') && typeof o.from !== 'string') {
      throw bad(`${f}.from must be a JSON Pointer string`, `${f}.from`);
    }
    if ((o.op === 'add' || o.op === 'replace' || o.op === 'test') && !('value' in o)) {
      throw bad(`${f}.value is required for ${o.op}`, `${f}.value`);
    }
    return o as unknown as PatchOperation;
  });
}

/** RFC 6901: '' is the whole document, otherwise '/'-separated tokens with ~1 → '/', ~0 → '~'. */
export function parsePointer(pointer: string, field: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw bad(`${field} must start with '/'`, field);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forAdd: boolean, field: string): number {
  if (forAdd && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw bad(`${field}: ${token} is not an array index`, field);
  const i = Number(token);
  if (i > arr.length || (!forAdd && i === arr.length))
    throw bad(`${field}: index ${i} is out of range`, field);
  return i;
}

/** The container holding the pointer's last token (which must exist on the way down). */
function parentOf(doc: unknown, tokens: string[], field: string): [Container, string] {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, t, false, field)];
    else if (typeof cur === 'object' && cur !== null && t in cur) cur = (cur as Record<string, unknown>)[t];
    else throw bad(`${field}: ${t} does not exist`, field);
  }
  if (typeof cur !== 'object' || cur === null)
    throw bad(`${field} does not point into an object or array`, field);
  return [cur as Container, tokens.at(-1)!];
}

function get(doc: unknown, tokens: string[], field: string): unknown {
  if (tokens.length === 0) return doc;
  const [c, t] = parentOf(doc, tokens, field);
  if (Array.isArray(c)) return c[arrayIndex(c, t, false, field)];
  if (!(t in c)) throw bad(`${field}: ${t} does not exist`, field);
  return c[t];
}

function add(doc: unknown, tokens: string[], value: unknown, field: string): unknown {
  if (tokens.length === 0) return value;
  const [c, t] = parentOf(doc, tokens, field);
  if (Array.isArray(c)) c.splice(arrayIndex(c, t, true, field), 0, value);
  else c[t] = value;
  return doc;
}

function remove(doc: unknown, tokens: string[], field: string): unknown {
  if (tokens.length === 0) throw bad(`${field}: the whole document cannot be removed`, field);
  const [c, t] = parentOf(doc, tokens, field);
  if (Array.isArray(c)) c.splice(arrayIndex(c, t, false, field), 1);
  else if (t in c) delete c[t];
  else throw bad(`${field}: ${t} does not exist`, field);
  return doc;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every(
    (k) => k in b && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

function applyOne(doc: unknown, op: PatchOperation, i: number): unknown {
  const f = `ops[${i}].path`;
  const path = parsePointer(op.path, f);
  switch (op.op) {
    case 'add':
      return add(doc, path, structuredClone(op.value), f);
    case 'remove':
      return remove(doc, path, f);
    case 'replace':
      get(doc, path, f);
      return add(remove(doc, path, f), path, structuredClone(op.value), f);
    case 'copy':
      return add(
        doc,
        path,
        structuredClone(get(doc, parsePointer(op.from!, `ops[${i}].from`), `ops[${i}].from`)),
        f,
      );
    case 'move': {
      const from = parsePointer(op.from!, `ops[${i}].from`);
      if (op.path !== op.from && op.path.startsWith(`${op.from}/`))
        throw bad(`${f} cannot move a value into itself`, f);
      const value = get(doc, from, `ops[${i}].from`);
      return add(remove(doc, from, `ops[${i}].from`), path, value, f);
    }
    case 'test':
      if (!equal(get(doc, path, f), op.value))
        throw new ConflictError(`Test failed: ${op.path} does not have the given value`, { field: f });
      return doc;
  }
}

/** Applies a whole patch; atomic because it works on a copy. */
export function applyPatch<T>(doc: T, ops: readonly PatchOperation[]): unknown {
  let out: unknown = structuredClone(doc);
  ops.forEach((op, i) => {
    out = applyOne(out, op, i);
  });
  return out;
}

/** The top-level members a patch touches (its paths' and froms' first tokens). */
export function touchedMembers(ops: readonly PatchOperation[]): string[] {
  const names = new Set<string>();
  ops.forEach((op, i) => {
    for (const [p, f] of [
      [op.path, `ops[${i}].path`],
      [op.from, `ops[${i}].from`],
    ] as const) {
      if (p === undefined || op.op === 'test' || (f.endsWith('from') && op.op === 'copy')) continue;
      const tokens = parsePointer(p, f);
      if (tokens.length === 0) throw bad(`${f}: the whole entity cannot be patched at once`, f);
      names.add(tokens[0]!);
    }
  });
  return [...names];
}
