// The caller's access for one action on one collection: row filter, readable fields, presets, validation.
import { collectionForbidden } from "../errors.js";
import type { FilterNode } from "../query/filter.js";
import type { Accountability } from "./accountability.js";
import { fullAccess, type FieldAccess } from "./filter.js";
import type { Collection, Schema } from "./schema.js";

export type Action = "create" | "read" | "update" | "delete";

export interface ActionAccess extends FieldAccess {
  /** Fields the action may touch ("*" for all). */
  fields: Set<string> | "*";
  /** Row filter for this action on the collection itself. */
  filter?: FilterNode;
  presets: Record<string, unknown>;
  /** Raw validation filter an incoming payload must satisfy. */
  validation?: Record<string, unknown>;
}

export interface Permissions {
  /** Throws FORBIDDEN (without revealing existence) when the action is not allowed at all. */
  access(schema: Schema, accountability: Accountability, collection: Collection, action: Action): Promise<ActionAccess>;
}

const adminAccess: ActionAccess = { ...fullAccess, fields: "*", presets: {} };

/** Admins may do everything; everyone else nothing, until policies grant it. */
export function createPermissions(): Permissions {
  return {
    async access(_schema, accountability, collection) {
      if (accountability.admin) return adminAccess;
      throw collectionForbidden(collection.collection);
    },
  };
}
