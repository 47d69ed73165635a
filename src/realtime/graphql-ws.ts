// GraphQL over WebSocket (graphql-transport-ws): auth modes, validation, and `<collection>_mutated` streams from the hub.
import { createSourceEventStream, execute, GraphQLError, validate, type ExecutionArgs, type ExecutionResult } from "graphql";
import { makeServer, type WebSocket as GraphQLSocket } from "graphql-ws";
import type { WebSocketEndpoint } from "../config.js";
import type { Accountability } from "../core/accountability.js";
import type { Client } from "../core/auth.js";
import type { Core } from "../core/core.js";
import type { Live, LiveTarget } from "../core/live.js";
import type { MutationEvent } from "../graphql/schema.js";
import { formatError, type GraphQLService } from "../graphql/service.js";
import type { Logger } from "../log.js";
import type { GroupOutput, Hub, HubSubscriber } from "./hub.js";
import { onExpiry, reresolve, watchAccess, type AccessOwner } from "./socket-access.js";

/** What ws.ts knows about a GraphQL socket's caller when it opens. */
export interface GraphQLSocketInit {
  accountability: Accountability;
  authenticatedAtUpgrade: boolean;
  client: Client;
  /** The token the socket authenticated with (a static token is re-checked when access changes). */
  credential?: string;
  close(code: number, reason: string): void;
}

/** What one GraphQL socket knows about its caller. */
interface GraphQLSocketState extends GraphQLSocketInit {
  acknowledged: boolean;
  /** Set once the socket is being closed: no further operation runs. */
  closing: boolean;
  /** Revalidates the caller once per access change (the hub counts connections by this object). */
  access: AccessOwner;
  /** Timers to cancel when the socket closes. */
  cancels: Array<() => void>;
}

/** Events a subscriber has not consumed yet; past this the socket is closed instead of growing memory. */
const MAX_QUEUED_EVENTS = 1000;
const FORBIDDEN = 4403;

export function createGraphQLSockets(deps: { core: Core; live: Live; hub: Hub; graphql: GraphQLService; endpoint: WebSocketEndpoint; logger: Logger }) {
  const { core, graphql, endpoint, logger } = deps;

  const server = makeServer<Record<string, unknown> | undefined, GraphQLSocketState>({
    connectionInitWaitTimeout: endpoint.authTimeoutMs + 1000,
    onConnect: async (ctx) => {
      const state = ctx.extra;
      if (endpoint.auth === "handshake") {
        const token = ctx.connectionParams?.access_token;
        if (typeof token === "string") {
          try {
            const accountability = await core.auth.authenticate(token, state.client);
            if (!accountability.user && !accountability.role) return false;
            state.accountability = accountability;
            state.credential = token;
          } catch {
            return false;
          }
        } else if (!state.authenticatedAtUpgrade) return false;
      }
      // In public mode connection params are ignored (§10.2); strict sockets were authenticated at upgrade.
      state.acknowledged = true;
      armExpiry(state);
      return true;
    },
    onSubscribe: async (ctx, _id, payload) => {
      const state = ctx.extra;
      // A user suspended or a policy detached since the last operation: this one runs with the new access, or not at all.
      await state.access.revalidate();
      if (state.closing) return [new GraphQLError("You don't have permission to access this.", { extensions: { code: "FORBIDDEN" } })];
      const schema = await graphql.schemaFor(state.accountability);
      let document;
      try {
        document = graphql.parseDocument(payload.query);
      } catch (error) {
        return [coded(error as GraphQLError)];
      }
      const errors = validate(schema, document, graphql.rulesFor(state.accountability));
      if (errors.length) return errors.map(coded);
      return {
        schema,
        document,
        variableValues: payload.variables ?? undefined,
        operationName: payload.operationName ?? undefined,
        contextValue: {
          ...graphql.context(state.accountability),
          subscribe: (target: LiveTarget, event: MutationEvent["event"] | undefined) => follow(state, target, event),
        },
      };
    },
    // Queries, mutations and each subscription event pass through here: errors get REST's codes.
    onNext: (_ctx, _id, _payload, _args, result) => withCodes(result as ExecutionResult),
    subscribe: (args) => subscribeShared(args),
  });

  function coded(error: GraphQLError): GraphQLError {
    const formatted = formatError(error, (cause) => logger.error({ err: cause }, "graphql resolver failed"));
    return new GraphQLError(formatted.message, { nodes: error.nodes, path: error.path, extensions: formatted.extensions });
  }

  function withCodes(result: ExecutionResult): ExecutionResult {
    return result.errors ? { ...result, errors: result.errors.map(coded) } : result;
  }

  /**
   * Like graphql-js's subscribe, but an event's result is executed once per (event, document) and
   * shared by every subscriber of the group that sent the same operation (the usual case).
   */
  async function subscribeShared(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const documentKey = `${args.document.loc?.source.body ?? ""}\u0000${JSON.stringify(args.variableValues ?? {})}\u0000${args.operationName ?? ""}`;
    const iterator = source[Symbol.asyncIterator]();
    const mapped: AsyncIterableIterator<ExecutionResult> = {
      async next() {
        const step = await iterator.next();
        if (step.done) return { value: undefined, done: true };
        const event = step.value as object;
        let byDocument = results.get(event);
        if (!byDocument) results.set(event, (byDocument = new Map()));
        let result = byDocument.get(documentKey);
        if (!result) byDocument.set(documentKey, (result = (await execute({ ...args, rootValue: event })) as ExecutionResult));
        return { value: result, done: false };
      },
      return: async () => {
        await iterator.return?.();
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]: () => mapped,
    };
    return mapped;
  }

  /** Tokens expire on GraphQL sockets too (Directus does not check; we close with 4403). */
  function armExpiry(state: GraphQLSocketState) {
    const { expiresAt } = state.accountability;
    if (expiresAt !== undefined) state.cancels.push(onExpiry(expiresAt, () => state.close(FORBIDDEN, "Forbidden")));
  }

  /** After a user/role/policy change: pick up the user's new access, or close 4403 if they lost it. */
  async function revalidate(state: GraphQLSocketState) {
    try {
      state.accountability = await reresolve(core, state.accountability, state.credential, state.client);
    } catch {
      state.close(FORBIDDEN, "Forbidden");
    }
  }

  /**
   * A `<collection>_mutated` stream: hub deliveries, one GraphQL event per key, bounded. A plain
   * iterator (not an async generator) so that `return()` releases the subscription at once, even
   * while a `next()` is waiting.
   */
  async function follow(state: GraphQLSocketState, target: LiveTarget, event: MutationEvent["event"] | undefined): Promise<AsyncIterableIterator<MutationEvent>> {
    const plan = await deps.live.prepare(state.accountability, target);
    const primaryKey = plan.collection.primaryKey;
    const queue: MutationEvent[] = [];
    let waiting: ((result: IteratorResult<MutationEvent>) => void) | undefined;
    let done = false;
    const finish = (): IteratorResult<MutationEvent> => {
      done = true;
      deps.hub.remove(subscriber);
      queue.length = 0;
      waiting?.({ value: undefined, done: true });
      waiting = undefined;
      return { value: undefined, done: true };
    };
    const subscriber: HubSubscriber = {
      owner: state.access,
      target: plan.target, // bound: the hub groups subscribers by their bound query
      event,
      accountability: () => state.accountability,
      deliver: (output: GroupOutput) => {
        if (done) return;
        for (const item of expand(output, primaryKey)) queue.push(item);
        if (queue.length > MAX_QUEUED_EVENTS) {
          finish();
          state.close(4008, "Too slow: subscription queue limit exceeded");
          return;
        }
        if (waiting && queue.length) {
          waiting({ value: queue.shift()!, done: false });
          waiting = undefined;
        }
      },
    };
    deps.hub.add(subscriber);
    const iterator: AsyncIterableIterator<MutationEvent> = {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiting = resolve));
      },
      return: () => Promise.resolve(finish()),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  return {
    /** Starts the protocol on an open socket; returns what to call when it closes. */
    open(socket: GraphQLSocket, init: GraphQLSocketInit) {
      const state: GraphQLSocketState = {
        ...init,
        acknowledged: false,
        closing: false,
        close: (code, reason) => {
          state.closing = true;
          init.close(code, reason);
        },
        access: watchAccess(core, () => revalidate(state)),
        cancels: [],
      };
      if (endpoint.auth === "handshake" && !state.authenticatedAtUpgrade) {
        const timer = setTimeout(() => {
          if (!state.acknowledged) state.close(FORBIDDEN, "Forbidden");
        }, endpoint.authTimeoutMs);
        state.cancels.push(() => clearTimeout(timer));
      }
      const closed = server.opened(socket, state);
      return async (code?: number, reason?: string) => {
        for (const cancel of state.cancels) cancel();
        await closed(code, reason);
      };
    },
  };
}

/** Results of one event per document, shared by the group's subscribers (weakly held: gone with the event). */
const results = new WeakMap<object, Map<string, ExecutionResult>>();
/** One set of event objects per rendered group output, so the group's subscribers share them. */
const expanded = new WeakMap<GroupOutput, MutationEvent[]>();

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return Boolean(value) && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
}

/** Directus sends one `next` per created, updated or deleted key (§10.4). */
function expand(output: GroupOutput, primaryKey: string): MutationEvent[] {
  let events = expanded.get(output);
  if (!events) expanded.set(output, (events = expandNow(output, primaryKey)));
  return events;
}

function expandNow(output: GroupOutput, primaryKey: string): MutationEvent[] {
  const list = Array.isArray(output.data) ? output.data : [output.data];
  if (output.action === "delete") return list.map((key) => ({ key: String(key), event: "delete", data: null }));
  return (list as Array<Record<string, unknown>>).map((row) => ({ key: String(row[primaryKey]), event: output.action, data: row }));
}
