// One Directus-protocol connection: authentication modes, subscribe/unsubscribe, items, ping.
import { publicAccountability, type Accountability } from "../core/accountability.js";
import type { Client } from "../core/auth.js";
import type { Core } from "../core/core.js";
import type { Live } from "../core/live.js";
import type { WebSocketEndpoint } from "../config.js";
import { AppError, isAppError } from "../errors.js";
import type { RateLimiter } from "../lib/rate-limit.js";
import type { Logger } from "../log.js";
import { parseQuery } from "../query/params.js";
import type { GroupOutput, Hub, HubSubscriber } from "./hub.js";
import { runItemsMessage } from "./items.js";
import { onExpiry, reresolve, watchAccess, type AccessOwner } from "./socket-access.js";
import {
  AUTH_FAILED, HANDSHAKE_FAILED, appErrorFrame, authOkFrame, authSchema, describe, errorFrame, itemsFrame, itemsSchema,
  parseEnvelope, pongFrame, subscribeSchema, subscriptionBody, unsubscribeFrame, withUid, type Uid,
} from "./protocol.js";

/** What a session needs of its socket; ws.ts adapts `ws` to it. */
export interface Socket {
  send(text: string): void;
  close(code?: number, reason?: string): void;
}

export interface SessionDeps {
  core: Core;
  live: Live;
  hub: Hub;
  endpoint: WebSocketEndpoint;
  heartbeat: boolean;
  limiter?: RateLimiter;
  logger: Logger;
}

/** Subscriptions queue their events until their `init` frame is out, so none is lost or reordered. */
interface Subscription extends HubSubscriber {
  uid?: string;
  pending?: string[];
}

const MAX_PENDING_BEFORE_INIT = 1000;
const MAX_IN_FLIGHT = 1000;
const SYSTEM_ITEMLESS = new Set(["directus_fields", "directus_relations"]);

export class Session {
  private accountability: Accountability;
  /** The token this socket authenticated with (a static token is re-checked when access changes). */
  private credential?: string;
  private awaitingHandshake: boolean;
  private readonly subscriptions = new Set<Subscription>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private reauthTimer?: NodeJS.Timeout;
  private stopExpiry?: () => void;
  /** Re-resolves who this socket is once per access change: before its next frame, or when the hub asks. */
  private readonly access: AccessOwner;
  private work: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private closed = false;
  /** Last time the client sent anything (the heartbeat closes silent clients). */
  lastActivity = Date.now();
  private readonly id = globalThis.crypto.randomUUID();

  constructor(
    private readonly socket: Socket,
    private readonly deps: SessionDeps,
    private readonly client: Client,
    initial: { accountability: Accountability; authenticated: boolean; credential?: string },
  ) {
    this.accountability = initial.accountability;
    this.credential = initial.credential;
    this.access = watchAccess(deps.core, () => this.revalidate());
    this.awaitingHandshake = deps.endpoint.auth === "handshake" && !initial.authenticated;
    if (this.awaitingHandshake) this.later(deps.endpoint.authTimeoutMs, () => this.failHandshake());
    this.armExpiry();
  }

  /** Still waiting for the handshake `auth` (the heartbeat leaves such sockets alone). */
  get awaitingAuth(): boolean {
    return this.awaitingHandshake;
  }

  /** Frames are handled one at a time, in arrival order. */
  receive(text: string): void {
    this.lastActivity = Date.now();
    // Frames wait their turn; a client that floods faster than they are handled is cut off.
    if (++this.inFlight > MAX_IN_FLIGHT) return this.socket.close(1008, "Too many messages in flight");
    void this.enqueue(() => this.handle(text), "websocket message failed").finally(() => {
      this.inFlight -= 1;
    });
  }

  /** Frames and token expiries take turns, so neither overwrites the other's outcome; failures are logged. */
  private enqueue(task: () => Promise<void>, failure: string): Promise<void> {
    this.work = this.work.then(task).catch((error) => this.deps.logger.error({ err: error }, failure));
    return this.work;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.stopExpiry?.();
    for (const subscription of this.subscriptions) this.deps.hub.remove(subscription);
    this.subscriptions.clear();
  }

  /**
   * Re-resolves the user after a permission, role or user change; one who lost access drops to
   * public. The hub may call this between frames: an `auth` that replaced the caller meanwhile wins.
   */
  private async revalidate(): Promise<void> {
    const before = this.accountability;
    const fresh = await reresolve(this.deps.core, before, this.credential, this.client).catch(() => undefined);
    if (this.accountability !== before) return;
    if (fresh) this.accountability = fresh;
    else await this.dropToPublic();
  }

  /**
   * Continues as the public. Until its policies are known the socket may do nothing at all; an
   * `auth` meanwhile wins. A socket whose access cannot be lowered is closed rather than left as it was.
   */
  private async dropToPublic(): Promise<void> {
    const nobody = publicAccountability({ ip: this.client.ip, userAgent: this.client.userAgent });
    this.accountability = nobody;
    this.credential = undefined;
    this.stopExpiry?.();
    try {
      const anonymous = await this.deps.core.access.anonymous(this.client);
      if (this.accountability === nobody) this.accountability = anonymous;
    } catch (error) {
      this.deps.logger.error({ err: error }, "websocket could not fall back to public access");
      if (this.accountability === nobody) this.socket.close(1011, "Internal error");
    }
  }

  private send(text: string) {
    if (!this.closed) this.socket.send(text);
  }

  private later(ms: number, run: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  private clearTimer(timer: NodeJS.Timeout | undefined) {
    if (!timer) return;
    clearTimeout(timer);
    this.timers.delete(timer);
  }

  private failHandshake() {
    if (!this.awaitingHandshake || this.closed) return;
    this.send(errorFrame("auth", "AUTH_FAILED", HANDSHAKE_FAILED));
    this.socket.close();
  }

  private async handle(text: string): Promise<void> {
    if (this.closed) return;
    const parsed = parseEnvelope(text);
    if (this.awaitingHandshake) return this.handshake(parsed);
    if ("error" in parsed) return this.send(parsed.error);
    const { message } = parsed;
    if (this.deps.limiter) {
      const result = this.deps.limiter.consume(this.id);
      if (!result.allowed) {
        return this.send(errorFrame("server", "REQUESTS_EXCEEDED", `Too many messages, retry after ${Math.ceil(result.retryAfterMs)}ms.`, message.uid));
      }
    }
    // A user suspended or a policy detached since the last frame: this frame already runs with the new access.
    await this.access.revalidate();
    if (this.closed) return;
    switch (message.type) {
      case "auth": await this.authenticate(message); return;
      case "subscribe": return this.subscribe(message);
      case "unsubscribe": return this.unsubscribe(message.uid);
      case "items": return this.items(message);
      case "ping": if (this.deps.heartbeat) this.send(pongFrame(message.uid)); return;
      default: return; // Unknown types (a client `pong` among them) only count as activity.
    }
  }

  private async handshake(parsed: ReturnType<typeof parseEnvelope>) {
    const auth = "message" in parsed ? authSchema.safeParse(parsed.message) : undefined;
    if (!auth?.success) return this.failHandshake();
    const ok = await this.authenticate(auth.data, true);
    if (!ok) return this.failHandshake();
    this.awaitingHandshake = false;
  }

  /** Handles an `auth` frame; a malformed one is ignored, as Directus does (§2.2). */
  private async authenticate(raw: Record<string, unknown>, duringHandshake = false): Promise<boolean> {
    const parsed = authSchema.safeParse(raw);
    if (!parsed.success) return false;
    const message = parsed.data as { uid?: Uid; access_token?: string; refresh_token?: string; email?: string; password?: string };
    const { auth } = this.deps.core;
    try {
      let accessToken = message.access_token;
      let refreshToken: string | undefined;
      if (message.email !== undefined) ({ access_token: accessToken, refresh_token: refreshToken } = await auth.login(message.email, message.password, this.client));
      else if (message.refresh_token !== undefined) ({ access_token: accessToken, refresh_token: refreshToken } = await auth.refresh(message.refresh_token, this.client));
      const accountability = await auth.authenticate(accessToken, this.client);
      if (!accountability.user && !accountability.role) throw new AppError("INVALID_CREDENTIALS");
      this.accountability = accountability;
      this.credential = accessToken;
      this.clearTimer(this.reauthTimer);
      this.reauthTimer = undefined;
      this.armExpiry();
      this.send(authOkFrame(message.uid, refreshToken));
      return true;
    } catch (error) {
      if (!isAppError(error)) this.deps.logger.error({ err: error }, "websocket authentication failed");
      if (duringHandshake) return false;
      await this.dropToPublic();
      this.send(errorFrame("auth", "AUTH_FAILED", AUTH_FAILED, message.uid));
      if (this.deps.endpoint.auth !== "public") this.socket.close();
      return false;
    }
  }

  /** JWTs expire mid-connection; the expiry waits its turn behind the frames already received. */
  private armExpiry() {
    this.stopExpiry?.();
    const { expiresAt } = this.accountability;
    this.stopExpiry = expiresAt === undefined
      ? undefined
      : onExpiry(expiresAt, () => void this.enqueue(() => this.expire(expiresAt), "websocket token expiry failed"));
  }

  /** Drop to public, say TOKEN_EXPIRED, and wait for a new `auth` (§2.3), unless a new token came first. */
  private async expire(expiresAt: number) {
    if (this.closed || this.accountability.expiresAt !== expiresAt) return;
    await this.dropToPublic();
    this.send(errorFrame("auth", "TOKEN_EXPIRED", "Token expired."));
    this.reauthTimer = this.later(this.deps.endpoint.authTimeoutMs, () => {
      this.send(errorFrame("auth", "AUTH_TIMEOUT", "Authentication timed out."));
      if (this.deps.endpoint.auth !== "public") this.socket.close();
    });
  }

  private async subscribe(raw: Record<string, unknown>) {
    const uid = raw.uid as Uid | undefined;
    const parsed = subscribeSchema.safeParse(raw);
    if (!parsed.success) return this.send(errorFrame("subscribe", "INVALID_PAYLOAD", describe(parsed.error), uid));
    const message = parsed.data;
    const uidText = uid === undefined ? undefined : String(uid);
    if (uidText !== undefined) this.removeByUid(uidText);
    try {
      if (message.item !== undefined && SYSTEM_ITEMLESS.has(message.collection)) {
        throw new AppError("INVALID_PAYLOAD", `Invalid payload. Cannot subscribe to a specific item in the ${message.collection} collection..`);
      }
      const { live } = this.deps;
      const plan = await live.prepare(this.accountability, { collection: message.collection, query: parseQuery(message.query ?? {}), item: message.item });
      const { target } = plan;
      if (message.item !== undefined && plan.item === undefined) throw new AppError("FORBIDDEN");
      const subscription: Subscription = {
        owner: this.access,
        target,
        event: message.event,
        itemKey: plan.item === undefined ? undefined : String(plan.item),
        uid: uidText,
        pending: [],
        accountability: () => this.accountability,
        deliver: (output) => this.deliver(subscription, output),
      };
      this.subscriptions.add(subscription);
      this.deps.hub.add(subscription);
      try {
        const init = message.event ? undefined : await live.initial(this.accountability, target);
        this.send(withUid(subscriptionBody("init", init?.data, init?.meta), uidText));
      } catch (error) {
        this.removeSubscription(subscription);
        throw error;
      }
      const pending = subscription.pending ?? [];
      subscription.pending = undefined;
      for (const frame of pending) this.send(frame);
    } catch (error) {
      this.sendError("subscribe", error, uid);
    }
  }

  private deliver(subscription: Subscription, output: GroupOutput) {
    const body = output.memo("directus", () => subscriptionBody(output.action, output.data, output.meta));
    // Subscribers of a group often share a uid (every SDK client's first is "1"): build each frame once.
    const frame = output.memo(`directus:${subscription.uid ?? ""}`, () => withUid(body, subscription.uid));
    if (!subscription.pending) return this.send(frame);
    if (subscription.pending.length < MAX_PENDING_BEFORE_INIT) subscription.pending.push(frame);
    else this.socket.close(4008, "Too slow: too many events while the subscription started"); // never drop silently
  }

  private unsubscribe(uid: Uid | undefined) {
    if (uid === undefined) for (const subscription of [...this.subscriptions]) this.removeSubscription(subscription);
    else this.removeByUid(String(uid));
    this.send(unsubscribeFrame(uid));
  }

  private removeByUid(uid: string) {
    for (const subscription of this.subscriptions) if (subscription.uid === uid) this.removeSubscription(subscription);
  }

  private removeSubscription(subscription: Subscription) {
    this.subscriptions.delete(subscription);
    this.deps.hub.remove(subscription);
  }

  private async items(raw: Record<string, unknown>) {
    const uid = raw.uid as Uid | undefined;
    const parsed = itemsSchema.safeParse(raw);
    if (!parsed.success) return this.send(errorFrame("items", "INVALID_PAYLOAD", describe(parsed.error), uid));
    try {
      const result = await runItemsMessage(this.deps.core, this.accountability, parsed.data);
      this.send(itemsFrame(result.data, result.meta, uid));
    } catch (error) {
      this.sendError("items", error, uid);
    }
  }

  private sendError(type: "subscribe" | "items", error: unknown, uid: Uid | undefined) {
    if (isAppError(error)) return this.send(appErrorFrame(type, error, uid));
    this.deps.logger.error({ err: error }, `websocket ${type} failed`);
    this.send(errorFrame(type, "INTERNAL", "An unexpected error occurred.", uid));
  }

  /** Any sign of life from the client (a frame, or a protocol-level pong) keeps it connected. */
  markAlive() {
    this.lastActivity = Date.now();
  }

  /** Used by ws.ts's heartbeat. */
  sendRaw(text: string) {
    this.send(text);
  }

  /** Closes the socket (bare close, as Directus does for a silent client); cleanup follows its close event. */
  disconnect() {
    this.socket.close();
  }
}
