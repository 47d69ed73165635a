// The Directus WebSocket protocol as pure data: client message shapes, and the exact server frames.
// Reference: directus-realtime-protocol.md §3–§5 (shapes) and §13 (where the docs are wrong).
import { z } from "zod";
import { AppError, type ErrorCode } from "../errors.js";

const uid = z.union([z.string(), z.number()]);

export const envelopeSchema = z.looseObject({ type: z.string(), uid: uid.optional() });

export const authSchema = z.union([
  z.looseObject({ type: z.literal("auth"), email: z.email(), password: z.string(), uid: uid.optional() }),
  z.looseObject({ type: z.literal("auth"), access_token: z.string(), uid: uid.optional() }),
  z.looseObject({ type: z.literal("auth"), refresh_token: z.string(), uid: uid.optional() }),
]);

export const subscribeSchema = z.looseObject({
  type: z.literal("subscribe"),
  collection: z.string().min(1),
  event: z.enum(["create", "update", "delete"]).optional(),
  item: z.union([z.string(), z.number()]).optional(),
  query: z.record(z.string(), z.unknown()).optional(),
  uid: uid.optional(),
});

export const itemsSchema = z.looseObject({
  type: z.literal("items"),
  collection: z.string().min(1),
  action: z.enum(["create", "read", "update", "delete"]),
  id: z.union([z.string(), z.number()]).optional(),
  ids: z.array(z.union([z.string(), z.number()])).optional(),
  data: z.unknown().optional(),
  query: z.record(z.string(), z.unknown()).optional(),
  uid: uid.optional(),
});

export type Uid = string | number;
export type AuthMessage = z.infer<typeof authSchema>;
export type SubscribeMessage = z.infer<typeof subscribeSchema>;
export type ItemsMessage = z.infer<typeof itemsSchema>;
export type ErrorContext = "auth" | "subscribe" | "unsubscribe" | "items" | "server";

/** Parses one text frame into an envelope, or an error frame for the client. */
export function parseEnvelope(text: string): { message: Record<string, unknown> & { type: string; uid?: Uid } } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { error: errorFrame("server", "INVALID_PAYLOAD", "Unable to parse the incoming message.") };
  }
  const parsed = envelopeSchema.safeParse(value);
  if (!parsed.success) return { error: errorFrame("server", "INVALID_PAYLOAD", describe(parsed.error)) };
  return { message: parsed.data as Record<string, unknown> & { type: string; uid?: Uid } };
}

/** One line naming what is wrong, in the spirit of zod-validation-error's text. */
export function describe(error: z.ZodError): string {
  const issues = error.issues.slice(0, 3).map((issue) => (issue.path.length ? `${issue.message} at "${issue.path.join(".")}"` : issue.message));
  return `Validation error: ${issues.join("; ")}`;
}

export function errorFrame(type: ErrorContext, code: ErrorCode | "AUTH_FAILED" | "AUTH_TIMEOUT" | "TOKEN_EXPIRED", message: string, uid?: Uid): string {
  return stringify({ type, status: "error", error: { code, message }, uid });
}

export function appErrorFrame(type: ErrorContext, error: AppError, uid?: Uid): string {
  return errorFrame(type, error.code, error.message, uid);
}

/** Objects keep key order; a `uid` of undefined is left out, as Directus only appends one when present. */
export function stringify(message: Record<string, unknown>): string {
  return JSON.stringify(message, (key, value) => (key === "uid" && value === undefined ? undefined : value));
}

export const authOkFrame = (uid?: Uid, refreshToken?: string) =>
  stringify({ type: "auth", status: "ok", ...(refreshToken ? { refresh_token: refreshToken } : {}), uid });

export const AUTH_FAILED = "Authentication failed.";
export const HANDSHAKE_FAILED = "Authentication handshake failed.";

/**
 * A subscription frame without its uid, so one serialization serves a whole group; `withUid`
 * appends each subscriber's uid. Subscription uids go out as strings (§5.2).
 */
export function subscriptionBody(event: string, data?: unknown, meta?: unknown): string {
  const message: Record<string, unknown> = { type: "subscription", event };
  if (data !== undefined) message.data = data;
  if (meta !== undefined) message.meta = meta;
  return JSON.stringify(message);
}

export function withUid(body: string, uid: string | undefined): string {
  return uid === undefined ? body : `${body.slice(0, -1)},"uid":${JSON.stringify(uid)}}`;
}

export const unsubscribeFrame = (uid?: Uid) => stringify({ type: "subscription", event: "unsubscribe", uid });
export const pongFrame = (uid?: Uid) => stringify({ type: "pong", uid });
export const PING_FRAME = JSON.stringify({ type: "ping" });
export const itemsFrame = (data: unknown, meta: unknown, uid?: Uid) => stringify({ type: "items", data, ...(meta ? { meta } : {}), uid });
