// Typed change events, emitted only after the transaction that made the change has committed.

export type ChangeAction = "create" | "update" | "delete";

export interface ChangeEvent {
  collection: string;
  action: ChangeAction;
  /** Primary keys in canonical form. */
  keys: unknown[];
  /** Full after-images (create, update) or before-images (delete), canonical values. */
  rows: Record<string, unknown>[];
  /** Position in the collection's commit order (1, 2, …): instances reorder and drop repeats by it. */
  seq: number;
}

export type SchemaEvent = { type: "schema" } | { type: "access" };

export interface Events {
  emitChange(event: ChangeEvent): void;
  onChange(listener: (event: ChangeEvent) => void): () => void;
  emitSystem(event: SchemaEvent): void;
  onSystem(listener: (event: SchemaEvent) => void): () => void;
}

export function createEvents(onListenerError: (error: unknown) => void): Events {
  const change = new Set<(event: ChangeEvent) => void>();
  const system = new Set<(event: SchemaEvent) => void>();
  const emit = <T>(listeners: Set<(event: T) => void>, event: T) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        onListenerError(error);
      }
    }
  };
  return {
    emitChange: (event) => emit(change, event),
    onChange: (listener) => (change.add(listener), () => change.delete(listener)),
    emitSystem: (event) => emit(system, event),
    onSystem: (listener) => (system.add(listener), () => system.delete(listener)),
  };
}
