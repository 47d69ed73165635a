// The bus that carries change events between instances: in-process (local) or Redis.

export interface Bus {
  /** Delivers `message` to every subscriber of `channel`, on every instance, in publish order. */
  publish(channel: string, message: unknown): Promise<void>;
  subscribe(channel: string, listener: (message: unknown) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
