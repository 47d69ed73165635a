// Process entry: reads configuration, starts Tidings, and stops it gracefully on SIGTERM/SIGINT.
import { createApp } from "./app.js";
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  if (config.secretGenerated) {
    logger.warn("SECRET is not set: a random one is used, so tokens stop working when the server restarts. Set SECRET in production.");
  }
  const app = await createApp(config, logger);
  const url = await app.listen();
  const admin = app.core.adminCredentials;
  if (admin) {
    const lines = [
      "First start: created the administrator account.",
      `  email:    ${admin.email}`,
      `  password: ${admin.generated ? admin.password : "(from ADMIN_PASSWORD)"}`,
      ...(admin.token ? [`  token:    ${admin.token}`] : []),
      admin.generated ? "Save this password now: it is not shown again." : "",
    ];
    process.stdout.write(`\n${lines.filter(Boolean).join("\n")}\n\n`);
  }
  logger.info(`Tidings is listening on ${url} (studio: ${url}/admin)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received, shutting down`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    await app.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((error) => {
  process.stderr.write(`Tidings failed to start: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
