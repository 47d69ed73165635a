// Redis Streams bus: at-least-once delivery that survives reconnects and restarts (consumers drop repeats by sequence).
import { gunzipSync, gzipSync } from "node:zlib";
import { Redis } from "ioredis";
import type { Logger } from "../log.js";
import type { Bus } from "./bus.js";

export interface RedisBusOptions {
  url: string;
  namespace: string;
  /** Approximate number of messages each stream keeps (XADD MAXLEN ~). */
  retention: number;
  /** Messages held in memory while Redis is unreachable; past this, `onOverflow` fires. */
  bufferLimit: number;
  /** Payloads at least this many bytes long travel gzip-compressed. */
  compressAbove: number;
  /** Recently published messages are sent again after Redis restarts (it may have lost them). */
  replayWindowMs: number;
  onOverflow: () => void;
  logger: Logger;
}

export interface RedisBus extends Bus {
  status(): "ok" | "down";
}

interface Outgoing {
  key: string;
  payload: Buffer;
  compressed: boolean;
  at: number;
}

export function createRedisBus(options: RedisBusOptions): RedisBus {
  const { logger } = options;
  // Commands fail fast while disconnected; our own bounded buffer keeps their order instead.
  const publisher = new Redis(options.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
  const readers = new Set<Redis>();
  const pending: Outgoing[] = [];
  const recent: Outgoing[] = [];
  let runId: string | undefined;
  let connected = false;
  let flushing: Promise<void> | undefined;
  let closed = false;

  publisher.on("error", (error) => logger.debug({ err: error }, "redis publisher error"));
  publisher.on("close", () => {
    if (connected) logger.warn("Redis connection lost: changes are buffered until it is back");
    connected = false;
  });
  publisher.on("ready", () => {
    connected = true;
    void flush();
  });

  const keyOf = (channel: string) => `${options.namespace}:${channel}`;

  async function send(message: Outgoing) {
    await publisher.xadd(message.key, "MAXLEN", "~", String(options.retention), "*", message.compressed ? "z" : "m", message.payload);
  }

  /** After a reconnect: replay what a restarted Redis may have lost, then the buffer, in order. */
  async function flush() {
    flushing ??= (async () => {
      try {
        const server = await publisher.info("server");
        const current = /run_id:(\w+)/.exec(server)?.[1];
        if (runId && current && current !== runId) {
          const since = Date.now() - options.replayWindowMs;
          const buffered = new Set(pending); // sent below anyway
          const replay = recent.filter((message) => message.at >= since && !buffered.has(message));
          logger.warn({ count: replay.length }, "Redis restarted: replaying recent changes");
          for (const message of replay) await send(message);
        }
        runId = current;
        while (pending.length && connected) {
          await send(pending[0]);
          pending.shift();
        }
      } catch (error) {
        logger.warn({ err: error }, "flushing buffered changes to Redis failed; will retry on reconnect");
      } finally {
        flushing = undefined;
      }
    })();
    return flushing;
  }

  function remember(message: Outgoing) {
    recent.push(message);
    const since = Date.now() - options.replayWindowMs;
    while (recent.length && (recent[0].at < since || recent.length > options.bufferLimit)) recent.shift();
  }

  return {
    status: () => (connected ? "ok" : "down"),

    async publish(channel, message) {
      const json = Buffer.from(JSON.stringify(message));
      const compressed = json.length >= options.compressAbove;
      const outgoing: Outgoing = { key: keyOf(channel), payload: compressed ? gzipSync(json) : json, compressed, at: Date.now() };
      remember(outgoing);
      if (connected && pending.length === 0 && !flushing) {
        try {
          await send(outgoing);
          return;
        } catch (error) {
          logger.warn({ err: error }, "publishing to Redis failed; buffering");
        }
      }
      if (pending.length >= options.bufferLimit) {
        logger.error({ limit: options.bufferLimit }, "Redis has been unreachable too long: the change buffer is full and changes are being dropped");
        options.onOverflow();
        return;
      }
      pending.push(outgoing);
      if (connected) void flush();
    },

    async subscribe(channel, listener) {
      const key = keyOf(channel);
      const reader = new Redis(options.url, { maxRetriesPerRequest: null });
      reader.on("error", (error) => logger.debug({ err: error }, "redis reader error"));
      readers.add(reader);
      let stopped = false;
      let readerRunId: string | undefined;
      const lastEntry = (await reader.xrevrange(key, "+", "-", "COUNT", 1))[0];
      let lastId = lastEntry ? lastEntry[0] : "0-0";
      readerRunId = /run_id:(\w+)/.exec(await reader.info("server"))?.[1];
      reader.on("ready", async () => {
        const current = /run_id:(\w+)/.exec(await reader.info("server").catch(() => ""))?.[1];
        // A restarted Redis starts an empty stream: read it from the beginning (repeats are dropped downstream).
        if (current && readerRunId && current !== readerRunId) lastId = "0-0";
        readerRunId = current ?? readerRunId;
      });
      const loop = async () => {
        while (!stopped && !closed) {
          try {
            const result = await reader.xreadBuffer("COUNT", 500, "BLOCK", 2000, "STREAMS", key, lastId);
            for (const [, entries] of result ?? []) {
              for (const [id, fields] of entries) {
                lastId = id.toString();
                const [name, value] = fields;
                try {
                  const text = name.toString() === "z" ? gunzipSync(value).toString() : value.toString();
                  listener(JSON.parse(text));
                } catch (error) {
                  logger.error({ err: error, id: lastId }, "unreadable message on the Redis bus");
                }
              }
            }
          } catch (error) {
            if (stopped || closed) break;
            logger.debug({ err: error }, "reading the Redis bus failed; retrying");
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
        }
      };
      void loop();
      return async () => {
        stopped = true;
        readers.delete(reader);
        reader.disconnect();
      };
    },

    async close() {
      closed = true;
      if (connected && pending.length) await flush();
      for (const reader of readers) reader.disconnect();
      readers.clear();
      publisher.disconnect();
    },
  };
}
