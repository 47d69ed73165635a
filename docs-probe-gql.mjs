import { createClient } from "graphql-ws";
import WebSocket from "ws";

const client = createClient({
  url: "ws://127.0.0.1:8190/graphql",
  webSocketImpl: WebSocket,
  keepAlive: 30000,
  connectionParams: async () => ({ access_token: "ada-token" }),
});
const post = (body, method="POST", path="", token="ada-token") => fetch("http://127.0.0.1:8190/items/messages"+path, { method, headers: { "Content-Type": "application/json", Authorization: "Bearer " + token }, body: body && JSON.stringify(body) });
let n = 0;
const dispose = client.subscribe(
  { query: `subscription { messages_mutated { key event data { text } } }` },
  {
    next: ({ data }) => { console.log(JSON.stringify(data)); if (++n === 4) { dispose(); client.dispose(); } },
    error: (err) => console.log("error", err),
    complete: () => console.log("complete"),
  },
);
const v = client.subscribe(
  { query: `subscription ($e: EventEnum) { messages_mutated(event: $e) { key event } }`, variables: { e: "delete" } },
  { next: ({ data }) => console.log("var", JSON.stringify(data)), error: (e) => console.log("verr", e), complete: () => {} },
);
await new Promise((r) => setTimeout(r, 500));
await post({ text: "hello graphql" });
await post({ keys: [1, 5], data: { text: "bulk" } }, "PATCH", "", "admin-token").then(r=>r.text()).then(console.log);
await post(undefined, "DELETE", "/5", "admin-token");
await new Promise((r) => setTimeout(r, 700));
v(); client.dispose();
