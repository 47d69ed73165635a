// The studio's realtime client: one WebSocket per tab speaking the Directus protocol to /websocket.
// Authenticates with the session's access token, answers pings, re-authenticates when the token
// expires and, after a dropped connection, reconnects and subscribes again with the same uids.
import { useSyncExternalStore } from "react";
import { session } from "./session";

export type Frame = Record<string, unknown> & { type?: string; uid?: string; event?: string };
export type ConnectionStatus = "connecting" | "open" | "closed";

export interface SubscribeMessage {
  type: "subscribe";
  collection: string;
  uid?: string;
  event?: "create" | "update" | "delete";
  query?: Record<string, unknown>;
}

type FrameListener = (direction: "sent" | "received", frame: Frame) => void;

const RECONNECT_MAX_MS = 10_000;

class Realtime {
  status: ConnectionStatus = "closed";
  private socket: WebSocket | undefined;
  private subscriptions = new Map<string, { message: SubscribeMessage; handler: (frame: Frame) => void }>();
  private frameListeners = new Set<FrameListener>();
  private statusListeners = new Set<(status: ConnectionStatus) => void>();
  private retries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private nextUid = 1;
  private authenticated = false;

  /** Subscribes and calls `handler` with every frame for this subscription (init, events, errors). */
  subscribe(message: Omit<SubscribeMessage, "type">, handler: (frame: Frame) => void): { uid: string; message: SubscribeMessage; unsubscribe: () => void } {
    const uid = message.uid ?? `studio-${this.nextUid++}`;
    const full: SubscribeMessage = { type: "subscribe", collection: message.collection, uid };
    if (message.event) full.event = message.event;
    if (message.query && Object.keys(message.query).length > 0) full.query = message.query;
    this.subscriptions.set(uid, { message: full, handler });
    if (this.authenticated) this.send(full);
    else this.connect();
    return {
      uid,
      message: full,
      unsubscribe: () => {
        if (!this.subscriptions.delete(uid)) return;
        if (this.authenticated) this.send({ type: "unsubscribe", uid });
        if (this.subscriptions.size === 0) this.disconnect();
      },
    };
  }

  /** Every frame sent or received (the inspector shows them). */
  onFrame(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  /** Closes the connection (on sign-out). */
  disconnect() {
    clearTimeout(this.retryTimer);
    const socket = this.socket;
    this.socket = undefined;
    this.authenticated = false;
    socket?.close(1000);
    this.setStatus("closed");
  }

  reset() {
    this.subscriptions.clear();
    this.disconnect();
  }

  private connect() {
    if (this.socket) return;
    clearTimeout(this.retryTimer);
    const url = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/websocket`;
    const socket = new WebSocket(url);
    this.socket = socket;
    this.setStatus("connecting");
    socket.onopen = () => void this.authenticate();
    socket.onmessage = (event) => this.receive(socket, event.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.authenticated = false;
      this.setStatus("closed");
      if (this.subscriptions.size > 0 && session.signedIn) this.scheduleReconnect();
    };
  }

  private scheduleReconnect() {
    const delay = Math.min(RECONNECT_MAX_MS, 500 * 2 ** this.retries++);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private async authenticate() {
    const token = await session.accessToken();
    if (!token) return this.disconnect();
    this.send({ type: "auth", access_token: token });
  }

  private receive(socket: WebSocket, raw: unknown) {
    if (socket !== this.socket) return;
    let frame: Frame;
    try {
      frame = JSON.parse(String(raw));
    } catch {
      return;
    }
    this.emitFrame("received", frame);
    if (frame.type === "ping") return this.send({ type: "pong" });
    if (frame.type === "auth") return this.onAuth(frame);
    if (frame.uid && typeof frame.uid === "string") this.subscriptions.get(frame.uid)?.handler(frame);
  }

  private onAuth(frame: Frame) {
    if (frame.status === "ok") {
      const first = !this.authenticated;
      this.authenticated = true;
      this.retries = 0;
      this.setStatus("open");
      // After a (re)connect, subscribe again; after a re-auth the server kept them.
      if (first) for (const { message } of this.subscriptions.values()) this.send(message);
      return;
    }
    const code = (frame.error as { code?: string } | undefined)?.code;
    if (code === "TOKEN_EXPIRED") {
      void session.refresh().then((ok) => (ok ? this.authenticate() : this.disconnect()));
      return;
    }
    // Any other refusal is final for this connection: say so to every subscriber.
    for (const { handler } of this.subscriptions.values()) handler({ type: "error", error: frame.error });
    this.disconnect();
  }

  private send(frame: Frame | SubscribeMessage) {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    this.socket.send(JSON.stringify(frame));
    this.emitFrame("sent", frame as Frame);
  }

  private emitFrame(direction: "sent" | "received", frame: Frame) {
    if (this.frameListeners.size === 0) return;
    // Listeners show frames on screen: the token in an auth frame is not theirs to see.
    const shown = "access_token" in frame ? { ...frame, access_token: "**********" } : frame;
    for (const listener of this.frameListeners) listener(direction, shown);
  }

  private setStatus(status: ConnectionStatus) {
    if (this.status === status) return;
    this.status = status;
    for (const listener of this.statusListeners) listener(status);
  }
}

export const realtime = new Realtime();

/** The connection state, for a live indicator. */
export function useConnectionStatus(): ConnectionStatus {
  return useSyncExternalStore(
    (listener) => realtime.onStatus(listener),
    () => realtime.status,
  );
}
