// Built-in rules every signed-in user gets, like Directus's system permissions (listed with system: true).
import type { Accountability } from "./accountability.js";
import type { Action, PermissionRule } from "./permissions.js";

const rule = (collection: string, action: Action, permissions: Record<string, unknown> | null, fields: string[]): PermissionRule => ({
  collection, action, permissions, validation: null, presets: null, fields, policy: null,
});

/** Fields a user may change on their own profile (never role, status, policies or token). */
export const ownProfileFields = ["first_name", "last_name", "email", "password", "location", "title", "description", "avatar", "language", "tags", "last_page"];

const ownUserFields = [
  "id", "first_name", "last_name", "email", "location", "title", "description", "tags", "avatar", "language",
  "status", "role", "last_access", "last_page", "provider", "policies",
];

export function systemRules(accountability: Accountability): PermissionRule[] {
  if (!accountability.user) return [];
  // Every signed-in user may read their own profile (GET /users/me); app users get what the studio needs.
  const rules = [rule("directus_users", "read", { id: { _eq: "$CURRENT_USER" } }, ownUserFields)];
  if (!accountability.app) return rules;
  return [
    ...rules,
    rule("directus_users", "update", { id: { _eq: "$CURRENT_USER" } }, ownProfileFields),
    rule("directus_roles", "read", { id: { _in: "$CURRENT_ROLES" } }, ["*"]),
    rule("directus_policies", "read", { id: { _in: "$CURRENT_POLICIES" } }, ["*"]),
    rule("directus_access", "read", { policy: { _in: "$CURRENT_POLICIES" } }, ["*"]),
    rule("directus_permissions", "read", { policy: { _in: "$CURRENT_POLICIES" } }, ["*"]),
    rule("directus_collections", "read", {}, ["*"]),
    rule("directus_fields", "read", {}, ["*"]),
    rule("directus_relations", "read", {}, ["*"]),
  ];
}

export const systemRulesForListing = (accountability: Accountability) =>
  systemRules(accountability).map((entry) => ({ ...entry, system: true }));
