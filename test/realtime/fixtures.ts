// Shared builders for the realtime black-box tests (not a test file itself).
import { expect } from "vitest";
import type { Http } from "../helpers/http.js";
import { matcher, type Frame, type Predicate, type WsClient } from "../helpers/ws-client.js";
import { autoPk, createCollection, createField, ok } from "../api/fixtures.js";

export { autoPk, createCollection, createField, ok };

/** A `messages` collection: id, text, channel, priority, user_created. */
export async function createMessages(admin: Http, name = "messages") {
  await createCollection(admin, name, [
    autoPk,
    { field: "text", type: "string", schema: {} },
    { field: "channel", type: "string", schema: {} },
    { field: "priority", type: "integer", schema: {} },
  ]);
  await createField(admin, name, { field: "user_created", type: "uuid", meta: { special: ["user-created"] }, schema: {} });
  return name;
}

/** Sends a subscribe and waits for its init (or error) frame carrying the uid. */
export async function subscribe(client: WsClient, message: Record<string, unknown>, timeoutMs = 3000): Promise<Frame> {
  client.send({ type: "subscribe", ...message });
  const uid = message.uid === undefined ? undefined : String(message.uid);
  return client.next((frame) => (frame.type === "subscription" && frame.event === "init" && frame.uid === uid) || (frame.type === "subscribe" && frame.status === "error"), timeoutMs);
}

export const event = (uid: string, action: string): Predicate => (frame) => frame.type === "subscription" && frame.uid === uid && frame.event === action;

/**
 * Asserts nothing matching `unwanted` arrived before the sentinel frame (which must arrive).
 * The sentinel is an event written after the one that must not be delivered; events go out in commit order.
 */
export async function expectNothingBefore(client: WsClient, unwanted: Predicate | Frame, sentinel: Predicate | Frame, timeoutMs = 3000) {
  const found = await client.next(sentinel, timeoutMs);
  const index = client.frames.indexOf(found);
  const before = client.frames.slice(0, index).filter(matcher(unwanted));
  expect(before, `frames before the sentinel: ${JSON.stringify(client.frames.slice(0, index))}`).toEqual([]);
}

export async function insert(http: Http, collection: string, body: unknown) {
  return ok<any>(await http.post(`/items/${collection}`, body));
}
