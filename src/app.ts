// Composition root: builds the database, core and transports, and owns their lifecycle.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "./config.js";
import { createCore, type Core } from "./core/core.js";
import { createDb } from "./db/db.js";
import type { Bus } from "./bus/bus.js";
import { createLocalBus } from "./bus/local.js";
import { createRedisBus } from "./bus/redis.js";
import { createLive } from "./core/live.js";
import { pruneEvents, readEvents, readSequences } from "./core/outbox.js";
import { createGraphQL } from "./graphql/service.js";
import { createHttpServer } from "./http/server.js";
import { createLogger, type Logger } from "./log.js";
import { Hub } from "./realtime/hub.js";
import { shareInvalidations } from "./realtime/cluster.js";
import { attachRealtime, CLOSE_EVENTS_LOST, type RealtimeServer } from "./realtime/ws.js";

export interface App {
  config: Config;
  core: Core;
  hub: Hub;
  realtime: RealtimeServer;
  logger: Logger;
  /** Starts listening; resolves with the base URL (http://host:port). */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function createApp(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<App> {
  const db = createDb(config.db);
  let core: Core;
  try {
    core = await createCore(db, {
      ...config,
      onListenerError: (error) => logger.error({ err: error }, "change listener failed"),
    });
  } catch (error) {
    await db.close();
    throw error;
  }
  const graphql = createGraphQL({
    schemas: core.schemas, permissions: core.permissions, accessVersion: () => core.accessVersion.current(), items: core.items, limits: config.graphql,
  });
  let realtime: RealtimeServer | undefined;
  const redis = config.redis
    ? createRedisBus({
        ...config.redis,
        compressAbove: 1000,
        replayWindowMs: 10_000,
        logger,
        // Changes were dropped: clients must reconnect and resubscribe to get a fresh init.
        onOverflow: () => realtime?.disconnectAll(CLOSE_EVENTS_LOST, "Events were lost: reconnect and resubscribe"),
      })
    : undefined;
  const bus: Bus = redis ?? createLocalBus((error) => logger.error({ err: error }, "bus listener failed"));
  const live = createLive({ db, schemas: core.schemas, permissions: core.permissions, items: core.items, limits: config, accessVersion: () => core.accessVersion.current() });
  const hub = new Hub(
    live, bus, () => core.accessVersion.current(),
    (collection, from, to) => readEvents(db.knex, collection, from, to),
    () => readSequences(db.knex),
    logger,
  );
  // Outbox rows only need to outlive a bus hiccup; ten minutes is generous.
  const pruning = setInterval(() => {
    pruneEvents(db.knex, new Date(Date.now() - 10 * 60_000)).catch((error) => logger.warn({ err: error }, "pruning the event outbox failed"));
  }, 60_000);
  pruning.unref();
  const http = await createHttpServer({
    config, core, graphql, logger,
    busStatus: redis ? () => redis.status() : undefined,
    metrics: () => ({ ...hub.stats, subscriptions: hub.count(), connections: realtime?.connectionCount() ?? 0 }),
  });
  await hub.start((listener) => core.events.onChange(listener), await readSequences(db.knex));
  const stopSharing = await shareInvalidations(bus, core, logger, () => hub.accessChanged());
  realtime = attachRealtime(http.server, { config, core, live, hub, graphql, logger });
  let closing: Promise<void> | undefined;
  return {
    config,
    core,
    hub,
    realtime,
    logger,
    async listen() {
      await http.listen({ host: config.host, port: config.port });
      const address = http.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${address.port}`;
    },
    close() {
      closing ??= (async () => {
        clearInterval(pruning);
        await realtime!.close();
        await closeHttp(http.server, http.close());
        await hub.stop();
        await stopSharing();
        await bus.close();
        await db.close();
      })();
      return closing;
    },
  };
}

/**
 * Waits for in-flight requests, closing keep-alive connections as soon as they go idle (a busy one
 * would otherwise hold the server open), and cuts what is left after a grace period.
 */
async function closeHttp(server: Server, closing: Promise<unknown>): Promise<void> {
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  const grace = setTimeout(() => server.closeAllConnections(), 5000);
  try {
    await closing;
  } finally {
    clearInterval(sweep);
    clearTimeout(grace);
  }
}
