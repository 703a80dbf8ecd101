import type { Principal } from '../../auth/principal.ts';
import type { ModelRegistry } from '../../model/registry.ts';
import type { Queryable } from '../../store/store.ts';
import type { ChangeEvent } from '../events/change-feed.ts';

/** Who asks, for which tenant. Every core operation takes one; tenants never see each other's rows. */
export interface RequestContext {
  tenant: string;
  principal: Principal | null;
}

/** What a write needs inside its transaction. `events` are published by the caller after commit. */
export interface WriteContext extends RequestContext {
  tx: Queryable;
  registry: ModelRegistry;
  events: ChangeEvent[];
  /**
   * The store `tx` belongs to. `tx` is a new object per transaction; per-database caches (known observation
   * partitions, generated FeaturesOfInterest) are keyed by this instead. Falls back to `tx` when absent.
   */
  store?: Queryable;
}
