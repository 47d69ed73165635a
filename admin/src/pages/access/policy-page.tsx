// One policy: its settings and the permissions grid (collections × create / read / update / delete).
import { useState } from "react";
import { data } from "../../api/client";
import { fieldsOf, userCollections, useSchema, type Schema } from "../../api/schema";
import { useAsync } from "../../api/use-async";
import { Link } from "../../components/link";
import { Empty, ErrorNotice, Loading } from "../../components/status";
import { toast } from "../../components/toast";
import type { DirectoryProps } from "../access";
import { ipList, policyLabel, type Policy } from "./directory";
import { ACTIONS, actionLabel, LEVEL_LABELS, levelOf, PermissionDialog, type Action, type Permission } from "./permission-dialog";
import { PolicyBadges, PolicyDialog, policyDescription } from "./policies";

/** System collections people grant most often come first in their group. */
const SYSTEM_FIRST = ["directus_users", "directus_roles", "directus_files"];

function collectionGroups(schema: Schema) {
  // Folders (no table) hold no items, so there is nothing to permit on them.
  const names = schema.collections.filter((collection) => collection.schema !== null).map((collection) => collection.collection);
  const user = userCollections(schema).map((collection) => collection.collection);
  const rank = (name: string) => (SYSTEM_FIRST.includes(name) ? SYSTEM_FIRST.indexOf(name) : SYSTEM_FIRST.length);
  const system = names.filter((name) => name.startsWith("directus_")).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { user, system };
}

export function PolicyPage({ policyId, directory, reload }: DirectoryProps & { policyId: string }) {
  const policy = directory.policies.find((item) => item.id === policyId);
  const [editing, setEditing] = useState(false);
  if (!policy) {
    return (
      <>
        <ErrorNotice error={new Error("This policy does not exist (any more).")} />
        <Link to="/access/policies">Back to policies</Link>
      </>
    );
  }
  const name = policyLabel(directory, policy);
  const description = policyDescription(directory, policy);
  return (
    <section aria-labelledby="policy-title">
      <p className="breadcrumb">
        <Link to="/access/policies">Policies</Link> <span aria-hidden="true">/</span> {name}
      </p>
      <div className="page-header policy-header">
        <h2 id="policy-title">{name}</h2>
        <PolicyBadges policy={policy} />
        <div className="actions">
          <button type="button" className="button-secondary" onClick={() => setEditing(true)}>
            Edit policy
          </button>
        </div>
      </div>
      {description && <p className="muted">{description}</p>}
      {ipList(policy.ip_access).length > 0 && <p className="help">Only applies to requests from {ipList(policy.ip_access).join(", ")}.</p>}
      {policy.admin_access && <p className="notice notice-info">This policy has admin access: everything is allowed whatever the permissions below say.</p>}
      <PermissionsGrid policy={policy} name={name} />
      {editing && <PolicyDialog policy={policy} directory={directory} reload={reload} onClose={() => setEditing(false)} />}
    </section>
  );
}

function PermissionsGrid({ policy, name }: { policy: Policy; name: string }) {
  // The grid lists every collection, including ones added elsewhere since the studio loaded the schema.
  const schema = useSchema({ fresh: true });
  const permissions = useAsync(() => data<Permission[]>("/permissions", { query: { filter: { policy: { _eq: policy.id } }, limit: -1 } }), [policy.id]);
  const [open, setOpen] = useState<{ collection: string; action: Action }>();
  if (!schema.schema || !permissions.data) {
    if (schema.loading || permissions.loading) return <Loading label="Loading permissions…" />;
    return <ErrorNotice error={schema.error ?? permissions.error} onRetry={() => (schema.error ? void schema.reload() : permissions.reload())} />;
  }
  const rules = permissions.data;
  const rulesFor = (collection: string, action: Action) => rules.filter((rule) => rule.collection === collection && rule.action === action);
  const { user, system } = collectionGroups(schema.schema);
  const fieldsFor = (collection: string) => fieldsOf(schema.schema!, collection).map((field) => ({ field: field.field, type: field.type }));
  const row = (collection: string) => (
    <tr key={collection}>
      <th scope="row">
        <code>{collection}</code>
      </th>
      {ACTIONS.map((action) => {
        const level = levelOf(rulesFor(collection, action));
        return (
          <td key={action} className="grid-cell">
            <button type="button" className={`level level-${level}`} aria-label={`${actionLabel(action)} ${collection}: ${LEVEL_LABELS[level]}`} onClick={() => setOpen({ collection, action })}>
              {LEVEL_LABELS[level]}
            </button>
          </td>
        );
      })}
    </tr>
  );
  return (
    <>
      <h3 id="permissions-title">Permissions</h3>
      {permissions.error !== undefined && <ErrorNotice error={permissions.error} onRetry={permissions.reload} />}
      <p className="help">
        <span className="level level-none">None</span> not allowed · <span className="level level-all">All</span> every item and field · <span className="level level-custom">Custom</span> a row filter, chosen fields, presets or validation. Select a cell to change it.
      </p>
      <div className="table-wrap">
        <table className="permission-grid" aria-labelledby="permissions-title">
          <thead>
            <tr>
              <th scope="col">Collection</th>
              {ACTIONS.map((action) => (
                <th key={action} scope="col">
                  {actionLabel(action)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr className="group-row">
              <th colSpan={5} scope="rowgroup">
                Collections
              </th>
            </tr>
            {user.length === 0 ? (
              <tr>
                <td colSpan={5}>
                  <Empty title="No collections yet.">
                    <Link to="/data-model">Create one in the data model.</Link>
                  </Empty>
                </td>
              </tr>
            ) : (
              user.map(row)
            )}
          </tbody>
          <tbody>
            <tr className="group-row">
              <th colSpan={5} scope="rowgroup">
                System collections
              </th>
            </tr>
            {system.map(row)}
          </tbody>
        </table>
      </div>
      {open && (
        <PermissionDialog
          policy={policy.id}
          collection={open.collection}
          action={open.action}
          rules={rulesFor(open.collection, open.action)}
          fields={fieldsFor(open.collection)}
          onClose={() => setOpen(undefined)}
          onSaved={(level) => {
            toast("success", `${actionLabel(open.action)} ${open.collection}: ${LEVEL_LABELS[level]} for ${name}.`);
            setOpen(undefined);
            permissions.reload();
          }}
        />
      )}
    </>
  );
}
