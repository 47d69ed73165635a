// First start: creates missing system tables and columns, the built-in policies and the first admin.
import { randomBytes, randomUUID } from "node:crypto";
import type { Db, Executor } from "../db/db.js";
import { addColumn, createTable, hasTable, listColumns } from "../db/ddl.js";
import { countRows, insertRow, selectRows } from "../db/rows.js";
import { hashPassword } from "../lib/password.js";
import { columnSpec } from "./fields.js";
import { systemCollections, systemTable } from "./system-collections.js";

export interface AdminCredentials {
  email: string;
  password: string;
  token: string | null;
  /** True when the password was generated here and must be shown to the operator once. */
  generated: boolean;
}

export async function ensureSystemTables(db: Db): Promise<void> {
  await db.withLock("tidings-bootstrap", async (trx) => {
    for (const { collection, fields } of systemCollections) {
      const columns = fields.filter((field) => field.type !== "alias");
      if (!(await hasTable(trx, collection))) {
        await createTable(trx, collection, columns.map(columnSpec));
        continue;
      }
      const existing = new Set(await listColumns(trx, collection));
      for (const column of columns) if (!existing.has(column.field)) await addColumn(trx, collection, columnSpec(column));
    }
  });
}

/** Creates the administrator role and policy, the public policy and the first admin user, once. */
export async function ensureAdmin(db: Db, wanted: { email?: string; password?: string; token?: string }): Promise<AdminCredentials | undefined> {
  return db.withLock("tidings-bootstrap", async (trx) => {
    if ((await countRows(trx, systemTable("directus_policies"))) === 0) await createBuiltInPolicies(trx);
    if ((await countRows(trx, systemTable("directus_users"))) > 0) return undefined;
    const credentials: AdminCredentials = {
      email: (wanted.email ?? "admin@example.com").toLowerCase(),
      password: wanted.password ?? randomBytes(12).toString("base64url"),
      token: wanted.token ?? null,
      generated: wanted.password === undefined,
    };
    const [role] = await selectRows(trx, systemTable("directus_roles"), {
      columns: ["id"],
      where: { kind: "field", field: "name", type: "string", op: "_eq", value: "Administrator" },
      limit: 1,
    });
    await insertRow(trx, systemTable("directus_users"), {
      id: randomUUID(),
      email: credentials.email,
      password: await hashPassword(credentials.password),
      first_name: "Admin",
      last_name: "User",
      status: "active",
      role: role?.id ?? null,
      token: credentials.token,
      provider: "default",
    });
    return credentials;
  });
}

async function createBuiltInPolicies(trx: Executor) {
  const roleId = randomUUID();
  const adminPolicy = randomUUID();
  const publicPolicy = randomUUID();
  await insertRow(trx, systemTable("directus_roles"), { id: roleId, name: "Administrator", icon: "verified", description: "Initial administrative role with unrestricted App/API access." });
  await insertRow(trx, systemTable("directus_policies"), {
    id: adminPolicy, name: "Administrator", icon: "verified", description: "", admin_access: true, app_access: true, enforce_tfa: false,
  });
  await insertRow(trx, systemTable("directus_policies"), {
    id: publicPolicy, name: "$t:public_label", icon: "public", description: "$t:public_description", admin_access: false, app_access: false, enforce_tfa: false,
  });
  await insertRow(trx, systemTable("directus_access"), { id: randomUUID(), role: roleId, user: null, policy: adminPolicy, sort: 1 });
  await insertRow(trx, systemTable("directus_access"), { id: randomUUID(), role: null, user: null, policy: publicPolicy, sort: 1 });
}
