import type { ModelRegistry } from '../../model/registry.ts';
import type { Store } from '../../store/store.ts';
import type { ChangeEvent, ChangeFeed } from '../events/change-feed.ts';
import type { RequestContext, WriteContext } from './context.ts';

export interface EntityServiceDeps {
  store: Store;
  registry: ModelRegistry;
  feed: ChangeFeed;
}

/**
 * The entry point every API adapter uses for writes: one request, one transaction; events go out only
 * after the commit. (Reads go through read-entities.ts with the same context.)
 */
export function createEntityService(deps: EntityServiceDeps) {
  return {
    deps,
    /** Runs `fn` in one transaction with a write context; publishes its change events after commit. */
    async write<T>(ctx: RequestContext, fn: (w: WriteContext) => Promise<T>): Promise<T> {
      const events: ChangeEvent[] = [];
      const result = await deps.store.transaction((tx) =>
        fn({ ...ctx, tx, registry: deps.registry, events, store: deps.store }),
      );
      deps.feed.publish(events);
      return result;
    },
  };
}

export type EntityService = ReturnType<typeof createEntityService>;
