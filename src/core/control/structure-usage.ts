import type { WriteContext } from '../entities/context.ts';

/**
 * "Is this DataStructureVersion in use?" Modules that reference versions (data sources, datasets, mappings)
 * register a check; deleting a version asks all of them inside the delete's transaction and refuses when
 * any names a user. Created once by the platform and passed in (no module-level registry).
 */
export interface VersionRef {
  structureId: number;
  version: string;
}

/** Returns what uses the version, e.g. `['Dataset 7']`, or an empty list. Runs in the delete's transaction. */
export type UsageCheck = (w: WriteContext, ref: VersionRef) => Promise<readonly string[]>;

export interface StructureUsage {
  /** Adds a check; returns a function that removes it again. */
  register(check: UsageCheck): () => void;
  /** Everything that uses `ref`, over all registered checks. */
  usersOf(w: WriteContext, ref: VersionRef): Promise<string[]>;
}

export function createStructureUsage(): StructureUsage {
  const checks = new Set<UsageCheck>();
  return {
    register(check) {
      checks.add(check);
      return () => checks.delete(check);
    },
    async usersOf(w, ref) {
      const users: string[] = [];
      for (const check of checks) users.push(...(await check(w, ref)));
      return users;
    },
  };
}
