// Shared helpers for the GraphQL black-box tests (not a test file): HTTP GraphQL, graphql-ws clients, subscriptions.
import { expect } from "vitest";
import { createClient, type Client, type ClientOptions } from "graphql-ws";
import WebSocket from "ws";
import { wsUrl } from "../helpers/ws-client.js";

export interface GqlReply {
  status: number;
  body: any;
}

/** POST /graphql with `{query, variables}`; the token goes in the Authorization header. */
export async function gql(baseUrl: string, query: string, options: { token?: string; variables?: Record<string, unknown>; operationName?: string } = {}): Promise<GqlReply> {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers,
    body: JSON.stringify({ query, variables: options.variables, operationName: options.operationName }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: response.status, body };
}

/** A successful GraphQL reply: no errors, returns `data`. */
export function gqlOk<T = any>(reply: GqlReply): T {
  expect(reply.body?.errors, JSON.stringify(reply.body)).toBeUndefined();
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body.data as T;
}

/** A GraphQL error reply whose first error carries `extensions.code`; returns that error. */
export function gqlError(reply: GqlReply, code: string | string[]): { message: string; extensions: { code: string } } {
  expect(Array.isArray(reply.body?.errors), `expected errors: ${JSON.stringify(reply.body)}`).toBe(true);
  const [error] = reply.body.errors;
  const codes = Array.isArray(code) ? code : [code];
  expect(codes, JSON.stringify(reply.body.errors)).toContain(error.extensions?.code);
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

export interface WsClientHandle {
  client: Client;
  /** Resolves with the close code once the socket closes (after connecting or failing to). */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves when connection_ack has arrived. */
  connected: Promise<void>;
  dispose(): Promise<void>;
}

/** A graphql-ws client that never retries, so close codes are observable. */
export function gqlWs(baseUrl: string, options: { token?: string; upgradeToken?: string; params?: Record<string, unknown> | null } & Partial<ClientOptions> = {}): WsClientHandle {
  const { token, upgradeToken, params, ...rest } = options;
  let onClosed!: (value: { code: number; reason: string }) => void;
  let onConnected!: () => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: wsUrl(baseUrl, "/graphql", upgradeToken),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
    connectionParams: params === null ? undefined : params ?? (token ? { access_token: token } : {}),
    on: {
      connected: () => onConnected(),
      closed: (event: any) => onClosed({ code: event?.code ?? -1, reason: String(event?.reason ?? "") }),
      error: (error: any) => {
        // A refused upgrade never opens: report it as a pseudo close code (-1) carrying the message.
        if (error && !(typeof error === "object" && "code" in error)) onClosed({ code: -1, reason: String(error?.message ?? error) });
      },
    },
    ...rest,
  });
  return { client, closed, connected, dispose: async () => void (await client.dispose()) };
}

export interface Sub<T = any> {
  /** Every `next` payload received so far. */
  received: T[];
  /** Errors the sink received (GraphQL error arrays, or a CloseEvent). */
  errors: unknown[];
  completed: boolean;
  /** The next not-yet-taken payload matching `predicate`. */
  next(predicate?: (payload: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Resolves once the sink got an error (returns it). */
  error(timeoutMs?: number): Promise<unknown>;
  /** Marks everything received so far as taken. */
  drain(): void;
  dispose(): void;
}

/** Starts an operation (subscription, query or mutation) and collects its results. */
export function subscribe<T = any>(client: Client, query: string, variables?: Record<string, unknown>): Sub<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  const taken = new Set<number>();
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };
  const sub: Sub<T> = {
    received,
    errors,
    completed: false,
    next(predicate = () => true, timeoutMs = 5000) {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          const index = received.findIndex((payload, i) => !taken.has(i) && predicate(payload));
          if (index < 0) return false;
          taken.add(index);
          waiters.delete(check as () => void);
          clearTimeout(timer);
          resolve(received[index]);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check as () => void);
          reject(new Error(`no matching next within ${timeoutMs} ms; received ${JSON.stringify(received)}; errors ${JSON.stringify(errors)}`));
        }, timeoutMs);
        if (!check()) waiters.add(check as () => void);
      });
    },
    error(timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!errors.length) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(errors[0]);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no error within ${timeoutMs} ms; received ${JSON.stringify(received)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    drain() {
      received.forEach((_, i) => taken.add(i));
    },
    dispose: () => {},
  };
  sub.dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        received.push(value as T);
        wakeAll();
      },
      error: (error) => {
        errors.push(error);
        wakeAll();
      },
      complete: () => {
        sub.completed = true;
        wakeAll();
      },
    },
  );
  return sub;
}

/** Runs one query or mutation over a socket and returns its single result. */
export async function wsExecute(client: Client, query: string, variables?: Record<string, unknown>): Promise<any> {
  const sub = subscribe(client, query, variables);
  return Promise.race([sub.next(), sub.error().then((error) => ({ errors: error }))]);
}

/**
 * Deterministic activation: keeps calling `trigger` (a write the subscription must see) until the
 * subscription's first `next` arrives, then marks everything received so far as taken.
 */
export async function untilActive(subs: Sub | Sub[], trigger: () => Promise<unknown>, timeoutMs = 10_000): Promise<void> {
  const list = Array.isArray(subs) ? subs : [subs];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await trigger();
    const waiting = list.filter((sub) => sub.received.length === 0);
    if (waiting.length === 0) break;
    const errored = waiting.find((sub) => sub.errors.length);
    if (errored) throw new Error(`subscription failed: ${JSON.stringify(errored.errors)}`);
    if (Date.now() > deadline) throw new Error(`subscriptions not active within ${timeoutMs} ms`);
    await Promise.race([Promise.all(waiting.map((sub) => sub.next(() => true, 300).catch(() => undefined))), new Promise((r) => setTimeout(r, 300))]);
    if (list.every((sub) => sub.received.length > 0)) break;
  }
  for (const sub of list) sub.drain();
}

/** The payload of a `<collection>_mutated` next. */
export const mutated = (collection: string) => (payload: any) => payload?.data?.[`${collection}_mutated`];

/** Opens a raw socket with the graphql-transport-ws subprotocol; resolves the HTTP status on a refused upgrade. */
export function rawUpgrade(baseUrl: string, upgradeToken?: string, protocol = "graphql-transport-ws"): Promise<{ status?: number; ws?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(baseUrl, "/graphql", upgradeToken), protocol);
    ws.on("unexpected-response", (_req, res) => {
      resolve({ status: res.statusCode });
      ws.terminate();
    });
    ws.on("open", () => resolve({ ws }));
    ws.on("error", (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

/** Resolves with the close code of a raw socket. */
export const closeOf = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: reason.toString() })));

/** A nested selection `field { field { … id } }` `depth` levels deep. */
export function nested(field: string, depth: number): string {
  let inner = "id";
  for (let i = 1; i < depth; i++) inner = `id ${field} { ${inner} }`;
  return inner;
}
