// Users, roles, policies and the access rows linking them, loaded together: every tab shows names from the others.
import { data } from "../../api/client";

export interface AccessRow {
  id: string;
  role: string | null;
  user: string | null;
  policy: string;
}

export interface Role {
  id: string;
  name: string;
  description: string | null;
  parent: string | null;
  users: string[];
}

export interface Policy {
  id: string;
  name: string;
  description: string | null;
  admin_access: boolean;
  app_access: boolean;
  ip_access: string[] | string | null;
}

export type UserStatus = "active" | "invited" | "draft" | "suspended" | "archived";
export const USER_STATUSES: UserStatus[] = ["active", "invited", "draft", "suspended", "archived"];

export interface User {
  id: string;
  email: string | null;
  first_name: string | null;
  last_name: string | null;
  role: string | null;
  status: UserStatus;
  /** "**********" when set: the server never shows a static token again. */
  token: string | null;
}

export interface Directory {
  users: User[];
  roles: Role[];
  policies: Policy[];
  access: AccessRow[];
  /** The signed-in user: the studio will not suspend or delete it. */
  meId: string;
}

export async function loadDirectory(meId: string): Promise<Directory> {
  const [users, roles, policies, access] = await Promise.all([
    data<User[]>("/users", { query: { fields: ["id", "email", "first_name", "last_name", "role", "status", "token"], sort: ["email"], limit: -1 } }),
    data<Role[]>("/roles", { query: { fields: ["id", "name", "description", "parent", "users"], sort: ["name"], limit: -1 } }),
    data<Policy[]>("/policies", { query: { fields: ["id", "name", "description", "admin_access", "app_access", "ip_access"], sort: ["name"], limit: -1 } }),
    data<AccessRow[]>("/access", { query: { fields: ["id", "role", "user", "policy"], limit: -1 } }),
  ]);
  return { users, roles, policies, access, meId };
}

/** The public policy is the one attached by an access row with neither role nor user. */
export const publicPolicyId = (directory: Directory) => directory.access.find((row) => row.role === null && row.user === null)?.policy;

export const policyLabel = (directory: Directory, policy: Policy) => (policy.id === publicPolicyId(directory) ? "Public" : policy.name);

export const userName = (user: User) => [user.first_name, user.last_name].filter(Boolean).join(" ");

export const hasToken = (user: User) => user.token !== null && user.token !== "";

export const ipList = (value: Policy["ip_access"]): string[] =>
  (Array.isArray(value) ? value : (value ?? "").split(",")).map((entry) => entry.trim()).filter(Boolean);

/** The access rows that attach policies to this role or user. */
export const rowsOf = (directory: Directory, owner: { role: string } | { user: string }) =>
  directory.access.filter((row) => ("role" in owner ? row.role === owner.role : row.user === owner.user));

/**
 * Makes `owner` attached to exactly `wanted` policies: POST /access for new links, DELETE /access/<id> for dropped ones.
 * Stops at the first refusal (the caller reloads to show what did happen).
 */
export async function syncPolicies(directory: Directory, owner: { role: string } | { user: string }, wanted: Set<string>) {
  const current = rowsOf(directory, owner);
  for (const row of current) {
    if (!wanted.has(row.policy)) await data(`/access/${row.id}`, { method: "DELETE" });
  }
  const attached = new Set(current.map((row) => row.policy));
  for (const policy of wanted) {
    if (!attached.has(policy)) await data("/access", { method: "POST", body: { ...owner, policy } });
  }
}

/** Makes `policy` attached to exactly the `wanted` roles (rows that attach it to users or to everyone are left alone). */
export async function syncRoles(directory: Directory, policy: string, wanted: Set<string>) {
  const current = directory.access.filter((row) => row.policy === policy && row.role !== null);
  for (const row of current) {
    if (!wanted.has(row.role!)) await data(`/access/${row.id}`, { method: "DELETE" });
  }
  const attached = new Set(current.map((row) => row.role));
  for (const role of wanted) {
    if (!attached.has(role)) await data("/access", { method: "POST", body: { role, policy } });
  }
}

export interface RoleNode {
  role: Role;
  depth: number;
  children: RoleNode[];
}

/** Roles as a forest by `parent`; a role whose parent is missing (or part of a cycle) becomes a root. */
export function roleTree(roles: Role[]): RoleNode[] {
  const byId = new Map(roles.map((role) => [role.id, role]));
  const childrenOf = new Map<string | null, Role[]>();
  const placed = new Set<string>();
  for (const role of roles) {
    const key = role.parent !== null && byId.has(role.parent) ? role.parent : null;
    childrenOf.set(key, [...(childrenOf.get(key) ?? []), role]);
  }
  const build = (role: Role, depth: number): RoleNode => {
    placed.add(role.id);
    const children = (childrenOf.get(role.id) ?? []).filter((child) => !placed.has(child.id)).map((child) => build(child, depth + 1));
    return { role, depth, children };
  };
  const roots = (childrenOf.get(null) ?? []).map((role) => build(role, 0));
  // Roles caught in a parent cycle are never reached from a root: show them at the top level.
  for (const role of roles) if (!placed.has(role.id)) roots.push(build(role, 0));
  return roots;
}

/** The role and every role below it (a role cannot become its own ancestor). */
export function descendantsOf(roles: Role[], id: string): Set<string> {
  const result = new Set<string>([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const role of roles) {
      if (role.parent !== null && result.has(role.parent) && !result.has(role.id)) {
        result.add(role.id);
        grew = true;
      }
    }
  }
  return result;
}

/** The policies these access rows attach, each once. */
export const policiesOf = (directory: Directory, rows: AccessRow[]): Policy[] =>
  directory.policies.filter((policy) => rows.some((row) => row.policy === policy.id));

/** The role and its ancestors: a user gets the policies of all of them. */
export function roleChain(roles: Role[], id: string | null): string[] {
  const chain: string[] = [];
  for (let current = id; current !== null && !chain.includes(current); current = roles.find((role) => role.id === current)?.parent ?? null) chain.push(current);
  return chain;
}

/** The policies that come with these roles (e.g. a user's role and its ancestors). */
export const policiesOfRoles = (directory: Directory, roles: string[]): Policy[] =>
  policiesOf(directory, directory.access.filter((row) => row.role !== null && roles.includes(row.role)));

/** "Parent / Child" for selects, so nested roles with the same name stay distinguishable. */
export function rolePath(roles: Role[], id: string): string {
  const byId = new Map(roles.map((role) => [role.id, role]));
  const names: string[] = [];
  const seen = new Set<string>();
  for (let current = byId.get(id); current && !seen.has(current.id); current = current.parent ? byId.get(current.parent) : undefined) {
    seen.add(current.id);
    names.unshift(current.name);
  }
  return names.join(" / ");
}
