/**
 * Remembered ids of the entities an observations sink found or created, so that steady state costs no
 * lookups. The sink runs inside the pipeline's batch transaction, which may still roll back after `write`
 * returned (a dead-letter insert fails, the commit fails) or be rolled back to a savepoint (the runtime's
 * per-record retry). An id is therefore trusted only once it was seen from ANOTHER transaction than the one
 * that created it, i.e. once it is known to be committed:
 *
 * - every entity the sink creates is recorded in `createdIn(tx)` (from the change events core queues);
 * - a lookup result is `settled` unless the row was created in the looking transaction;
 * - an unsettled entry is never used by a later `write`: it is looked up again (one query per entity kind
 *   and batch), which settles it in the next transaction, or finds it gone after a rollback.
 *
 * A `write` that throws clears the whole cache, so the runtime's retry re-reads everything (this also heals
 * an entity deleted by hand through the STA API while the pipeline ran).
 */
import type { WriteContext } from '../../../core/entities/context.ts';

/** `Entity:id` of rows created by observations sinks, per transaction object (tx objects are per transaction). */
const created = new WeakMap<object, Set<string>>();

/** Records the entities created since `w.events[from]` (core queues one 'create' event per new row). */
export function noteCreated(w: WriteContext, from: number): void {
  const fresh = w.events
    .slice(from)
    .filter((e) => e.op === 'create' && e.entity !== 'Observation' && e.entity !== 'HistoricalLocation');
  if (fresh.length === 0) return;
  const set = created.get(w.tx) ?? new Set<string>();
  created.set(w.tx, set);
  for (const e of fresh) set.add(`${e.entity}:${e.id}`);
}

/** Runs `fn` (which may create entities through core) and records what it created. */
export async function creating<T>(w: WriteContext, fn: () => Promise<T>): Promise<T> {
  const from = w.events.length;
  try {
    return await fn();
  } finally {
    noteCreated(w, from);
  }
}

/** True when the row was created by an observations sink in `w`'s transaction (so may still roll back). */
export function createdHere(w: WriteContext, entity: string, id: number): boolean {
  return created.get(w.tx)?.has(`${entity}:${id}`) ?? false;
}

interface Entry<V> {
  value: V;
  settled: boolean;
}

/** One kind of remembered entity (Things by key, Datastreams by thing and rule, …). */
export class IdentityCache<V> {
  readonly #entries = new Map<string, Entry<V>>();

  constructor(
    readonly entity: string,
    private readonly idOf: (v: V) => number,
    private readonly limit = 100_000,
  ) {}

  /** The value if it is known to be committed; undefined = look it up. */
  get(key: string): V | undefined {
    const e = this.#entries.get(key);
    return e?.settled ? e.value : undefined;
  }

  /** Remembers a value found or created in `w`'s transaction. */
  set(w: WriteContext, key: string, value: V): void {
    if (this.#entries.size >= this.limit) this.#entries.clear();
    this.#entries.set(key, { value, settled: !createdHere(w, this.entity, this.idOf(value)) });
  }

  /** Marks an entry as changed by the current transaction (e.g. a Thing that moved): looked up again next time. */
  unsettle(key: string): void {
    const e = this.#entries.get(key);
    if (e) e.settled = false;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}
