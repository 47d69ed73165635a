import { createDirectus, realtime, staticToken } from "@directus/sdk";
import WebSocket from "ws"; // Node 22+ and browsers have a global WebSocket

const client = createDirectus("http://127.0.0.1:8190", { globals: { WebSocket } })
  .with(staticToken("ada-token"))
  .with(realtime());

await client.connect();
const { subscription, unsubscribe } = await client.subscribe("messages", {
  event: "create",
  query: { fields: ["id", "text"] },
});
setTimeout(() => fetch("http://127.0.0.1:8190/items/messages", { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer ada-token" }, body: JSON.stringify({ text: "from the SDK" }) }), 300);
for await (const message of subscription) {
  console.log(JSON.stringify(message));
  if (message.event === "create") break;
}
unsubscribe();
client.disconnect();
