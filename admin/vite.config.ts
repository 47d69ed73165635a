// Builds the studio into admin/dist, which the server serves at /admin (src/http/admin.ts).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/admin/",
  // React's automatic JSX runtime through esbuild: no framework plugin needed.
  esbuild: { jsx: "automatic" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // The server's content policy allows scripts from 'self' only: no inline polyfill.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev:admin` talks to a Tidings server on :8055.
    proxy: {
      "^/(auth|items|collections|fields|relations|users|roles|policies|access|permissions|server|graphql)": "http://127.0.0.1:8055",
      "/websocket": { target: "ws://127.0.0.1:8055", ws: true },
    },
  },
});
