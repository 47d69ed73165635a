// Thin clients for the fuzzer: a raw WebSocket that records every frame and can send fragmented or
// invalid frames, and an HTTP request helper that never throws on odd replies.
import WebSocket from "ws";
import { payloadBytes, type HttpCase, type WsSend } from "./gen.js";

export interface Closed {
  code: number;
  reason: string;
}

export class FrameSocket {
  readonly frames: string[] = [];
  closed?: Closed;
  private waiters = new Set<() => void>();
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      this.frames.push(isBinary ? `binary:${(data as Buffer).toString("base64")}` : data.toString());
      this.wake();
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on("error", () => {});
  }

  private wake() {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Opens a socket; resolves with the HTTP status when the upgrade is refused. */
  static open(url: string, options: { protocol?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<FrameSocket | { status: number }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options.protocol ? [options.protocol] : [], { headers: options.headers, maxPayload: 256 * 1024 * 1024, handshakeTimeout: options.timeoutMs ?? 10_000 });
      const socket = new FrameSocket(ws);
      ws.once("open", () => resolve(socket));
      ws.once("unexpected-response", (_request, response) => {
        resolve({ status: response.statusCode ?? 0 });
        ws.terminate();
      });
      ws.once("error", (error) => reject(error));
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one fuzz frame: text, binary, or fragments (optionally with a ping control frame between them). */
  send(send: WsSend): void {
    if (!this.open) return;
    const bytes = payloadBytes(send.payload);
    if (send.mode === "fragmented") {
      const splits = [...new Set(send.splits ?? [])].filter((at) => at > 0 && at < bytes.length);
      let start = 0;
      const binary = send.binary ?? false;
      for (const at of splits) {
        this.ws.send(bytes.subarray(start, at), { fin: false, binary });
        if (send.pingBetween) this.ws.ping();
        start = at;
      }
      this.ws.send(bytes.subarray(start), { fin: true, binary });
      return;
    }
    // A text frame carries the bytes as given (possibly invalid UTF-8).
    this.ws.send(bytes, { binary: send.mode === "binary" });
  }

  sendText(text: string): void {
    if (this.open) this.ws.send(text);
  }

  /** Waits until a frame from index `from` on satisfies `match`, or the socket closes, or the timeout passes. */
  waitFor(match: (text: string) => boolean, from: number, timeoutMs: number): Promise<"matched" | "closed" | "timeout"> {
    return new Promise((resolve) => {
      const check = () => {
        for (let i = from; i < this.frames.length; i++) {
          if (match(this.frames[i])) return finish("matched");
        }
        if (this.closed) return finish("closed");
      };
      const timer = setTimeout(() => finish("timeout"), timeoutMs);
      const finish = (result: "matched" | "closed" | "timeout") => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(result);
      };
      this.waiters.add(check);
      check();
    });
  }

  waitClosed(timeoutMs: number): Promise<boolean> {
    return this.waitFor(() => false, this.frames.length, timeoutMs).then((result) => result === "closed");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.ws.close();
    if (!(await this.waitClosed(2000))) this.ws.terminate();
    await this.waitClosed(1000);
  }
}

export function wsUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/^http/, "ws") + path;
}

export interface HttpResult {
  status: number;
  text: string;
  headers: Headers;
  /** Set when the request itself failed (connection reset, timeout). */
  error?: string;
}

export async function httpRequest(baseUrl: string, request: Pick<HttpCase, "method" | "path" | "body" | "headers">, token?: string, timeoutMs = 20_000): Promise<HttpResult> {
  const headers: Record<string, string> = { ...request.headers };
  if (token && !Object.keys(headers).some((key) => key.toLowerCase() === "authorization")) headers.authorization = `Bearer ${token}`;
  try {
    const response = await fetch(baseUrl + request.path, {
      method: request.method,
      headers,
      body: request.body ? new Uint8Array(payloadBytes(request.body)) : undefined,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: response.status, text: await response.text(), headers: response.headers };
  } catch (error) {
    return { status: 0, text: "", headers: new Headers(), error: String((error as Error)?.message ?? error) };
  }
}
