/**
 * Committed changes, for the MQTT extension and (later) subscriptions. Writers collect events inside their
 * transaction; the entity service publishes them only after the commit, so listeners never see data that
 * was rolled back. In-process only: each node notifies its own clients about the writes it made.
 */
export interface ChangeEvent {
  model: string;
  tenant: string;
  /** Entity type name, e.g. `Observation`. */
  entity: string;
  id: number;
  op: 'create' | 'update' | 'delete';
  /** The entity's properties in wire form after the change (absent for deletes). */
  record?: Record<string, unknown>;
  /** Ids of to-one related entities, by relation name (e.g. `{ Datastream: 7, FeatureOfInterest: 3 }`). */
  links?: Record<string, number | null>;
  /** Names of the properties a PATCH changed (updates only). */
  changed?: string[];
  /**
   * Set on the target of a new association link (`POST Things(1)/Locations/$ref {"@iot.id": 5}` gives
   * Location 5 `{ entity: 'Thing', id: 1, relation: 'Locations' }`): the entity joined that navigation set.
   */
  linkedTo?: { entity: string; id: number; relation: string };
}

export type ChangeListener = (events: readonly ChangeEvent[]) => void;

export interface ChangeFeed {
  publish(events: readonly ChangeEvent[]): void;
  subscribe(listener: ChangeListener): () => void;
}

export function createChangeFeed(onListenerError: (err: unknown) => void = () => {}): ChangeFeed {
  const listeners = new Set<ChangeListener>();
  return {
    publish(events) {
      if (events.length === 0) return;
      for (const l of listeners) {
        try {
          l(events);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
