/**
 * Dotted field paths (`address.city`) for reading source records and building target records. A segment
 * is a member name; arrays are not indexed (use a `jsonata` rule for that). Member names that contain a
 * dot cannot be addressed here either: again, `jsonata` covers that case.
 */

export function splitPath(path: string): string[] {
  return path.split('.');
}

/** A path is well formed when it has no empty segment: `a.b`, not `a..b`, `.a` or ``. */
export function isWellFormedPath(path: string): boolean {
  return path.length > 0 && splitPath(path).every((s) => s.length > 0);
}

/** The value at `path`, or undefined when a segment is missing or crosses a non-object. */
export function getPath(record: unknown, path: string): unknown {
  let current: unknown = record;
  for (const segment of splitPath(path)) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    if (!Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Sets `path` on `target`, creating intermediate objects; an existing non-object on the way is replaced. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = splitPath(path);
  let current = target;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      current[segment] = created;
      current = created;
    } else {
      current = next as Record<string, unknown>;
    }
  }
  current[segments[segments.length - 1]!] = value;
}
