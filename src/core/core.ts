// Builds the data API over one database: schema, items, schema management, auth, change events.
import type { Db } from "../db/db.js";
import { createAccessResolver, loadPermissionRules } from "./access.js";
import { createAuth, type AuthConfig } from "./auth.js";
import { ensureAdmin, ensureSystemTables, type AdminCredentials } from "./bootstrap.js";
import { createCollections } from "./collections.js";
import { createEvents } from "./events.js";
import { createFields } from "./fields.js";
import { createItems } from "./items.js";
import { createPermissions } from "./permissions.js";
import type { Limits } from "./query.js";
import { createRelations } from "./relations.js";
import { createSchemaChange } from "./schema-change.js";
import { createSchemaStore } from "./schema-store.js";
import type { PathReader } from "./variables.js";
import { watchVersion } from "./versions.js";

export interface CoreOptions extends AuthConfig, Limits {
  admin: { email?: string; password?: string; token?: string };
  /** How stale the local schema may be before the shared version row is checked again. */
  schemaCheckIntervalMs?: number;
  onListenerError: (error: unknown) => void;
}

export type Core = Awaited<ReturnType<typeof createCore>>;

export async function createCore(db: Db, options: CoreOptions) {
  await ensureSystemTables(db);
  const adminCredentials: AdminCredentials | undefined = await ensureAdmin(db, options.admin);
  const schemas = createSchemaStore(db, { checkIntervalMs: options.schemaCheckIntervalMs ?? 250 });
  await schemas.reload();
  const events = createEvents(options.onListenerError);
  const accessVersion = watchVersion(db, "access_version", options.schemaCheckIntervalMs ?? 250);
  const resolver = createAccessResolver(db.knex, () => accessVersion.current());
  let readPath: PathReader = async () => null;
  const permissions = createPermissions({
    loadRules: (policies) => loadPermissionRules(db.knex, policies),
    accessVersion: () => accessVersion.current(),
    readPath: (collection, key, path) => readPath(collection, key, path),
  });
  const reload = async () => {
    const schema = await schemas.reload();
    events.emitSystem({ type: "schema" });
    return schema;
  };
  const schemaOf = () => schemas.get();
  const change = createSchemaChange(db, reload, events);
  const items = createItems({
    db, schemas, events, permissions, limits: options,
    accessMoved: () => accessVersion.moved(),
    onAccessChange: () => {
      accessVersion.expire();
      events.emitSystem({ type: "access" });
    },
  });
  readPath = items.readPath;
  return {
    db,
    schemas,
    events,
    permissions,
    adminCredentials,
    items,
    collections: createCollections(change, schemaOf),
    fields: createFields(change, schemaOf),
    relations: createRelations(change, schemaOf),
    accessVersion,
    access: resolver,
    auth: createAuth(db, options, resolver),
  };
}
