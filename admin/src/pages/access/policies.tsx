// The Policies tab: what a policy grants (admin / app access, IP ranges), who has it, and its permissions page.
import { useState } from "react";
import { data } from "../../api/client";
import { useAction } from "../../api/use-async";
import { ConfirmDialog, Dialog } from "../../components/dialog";
import { Link } from "../../components/link";
import { Empty } from "../../components/status";
import { toast } from "../../components/toast";
import { navigate } from "../../router";
import type { DirectoryProps } from "../access";
import { Checklist } from "./checklist";
import { ipList, policyLabel, publicPolicyId, rolePath, syncRoles, type Directory, type Policy } from "./directory";

type Open = { kind: "create" } | { kind: "edit"; policy: Policy } | { kind: "delete"; policy: Policy };

export function PolicyBadges({ policy }: { policy: Policy }) {
  return (
    <>
      {policy.admin_access && <span className="badge badge-danger">admin access</span>} {policy.app_access && <span className="badge badge-success">app access</span>}
    </>
  );
}

/** Policy descriptions may be Directus translation keys ("$t:…"): show plain text instead. */
export function policyDescription(directory: Directory, policy: Policy): string | null {
  if (policy.id === publicPolicyId(directory)) return "Applies to requests without a token, and to users without a role.";
  return policy.description?.startsWith("$t:") ? null : policy.description;
}

const rolesOf = (directory: Directory, policy: Policy) =>
  directory.access
    .filter((row) => row.policy === policy.id && row.role !== null)
    .map((row) => rolePath(directory.roles, row.role!))
    .filter(Boolean)
    .sort();

const directUsersOf = (directory: Directory, policy: Policy) => directory.access.filter((row) => row.policy === policy.id && row.user !== null).length;

export function PoliciesTab({ directory, reload }: DirectoryProps) {
  const [open, setOpen] = useState<Open>();
  const close = () => setOpen(undefined);
  const publicId = publicPolicyId(directory);
  // The public policy first, then by name.
  const policies = [...directory.policies].sort((a, b) => Number(b.id === publicId) - Number(a.id === publicId) || a.name.localeCompare(b.name));
  return (
    <section aria-label="Policies">
      <div className="toolbar">
        <p className="help toolbar-note">A policy is a set of permissions; attach it to roles or to single users.</p>
        <button type="button" className="toolbar-end" onClick={() => setOpen({ kind: "create" })}>
          Create policy
        </button>
      </div>
      {policies.length === 0 ? (
        <Empty title="No policies yet." />
      ) : (
        <div className="table-wrap">
          <table className="policies-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Access</th>
                <th scope="col">Roles using it</th>
                <th scope="col">Direct users</th>
                <th scope="col" className="actions">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {policies.map((policy) => {
                const roles = rolesOf(directory, policy);
                const name = policyLabel(directory, policy);
                const description = policyDescription(directory, policy);
                return (
                  <tr key={policy.id}>
                    <td>
                      <Link to={`/access/policies/${policy.id}`}>{name}</Link>
                      {description && <div className="help">{description}</div>}
                    </td>
                    <td>
                      {policy.admin_access || policy.app_access ? <PolicyBadges policy={policy} /> : <span className="muted">API only</span>}
                      {ipList(policy.ip_access).length > 0 && <div className="help">Only from {ipList(policy.ip_access).join(", ")}</div>}
                    </td>
                    <td>
                      {policy.id === publicId && <span className="badge badge-accent">everyone</span>} {roles.join(", ")}
                      {policy.id !== publicId && roles.length === 0 && <span className="muted">—</span>}
                    </td>
                    <td>{directUsersOf(directory, policy)}</td>
                    <td className="actions">
                      <div className="row-actions">
                        <Link to={`/access/policies/${policy.id}`} className="button-link button-small" aria-label={`Permissions of ${name}`}>
                          Permissions
                        </Link>
                        <button type="button" className="button-link button-small" aria-label={`Edit ${name}`} onClick={() => setOpen({ kind: "edit", policy })}>
                          Edit
                        </button>
                        {policy.id !== publicId && (
                          <button type="button" className="button-link button-small danger-link" aria-label={`Delete ${name}`} onClick={() => setOpen({ kind: "delete", policy })}>
                            Delete
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {(open?.kind === "create" || open?.kind === "edit") && <PolicyDialog policy={open.kind === "edit" ? open.policy : undefined} directory={directory} reload={reload} onClose={close} />}
      {open?.kind === "delete" && <DeletePolicyDialog policy={open.policy} directory={directory} reload={reload} onClose={close} />}
    </section>
  );
}

export function PolicyDialog({ policy, directory, reload, onClose }: { policy?: Policy; directory: Directory; reload: () => void; onClose: () => void }) {
  const isPublic = policy !== undefined && policy.id === publicPolicyId(directory);
  const [name, setName] = useState(policy?.name ?? "");
  const [description, setDescription] = useState(policy?.description ?? "");
  const [adminAccess, setAdminAccess] = useState(policy?.admin_access ?? false);
  const [appAccess, setAppAccess] = useState(policy?.app_access ?? false);
  const [ipAccess, setIpAccess] = useState(ipList(policy?.ip_access ?? null).join(", "));
  const [roles, setRoles] = useState(() => new Set(policy ? directory.access.filter((row) => row.policy === policy.id && row.role !== null).map((row) => row.role!) : []));
  const action = useAction();
  const submit = async () => {
    const ranges = ipAccess.split(",").map((range) => range.trim()).filter(Boolean);
    const fields = {
      // The public policy keeps its translation-key name and description.
      ...(isPublic ? {} : { name: name.trim(), description: description.trim() || null }),
      admin_access: adminAccess,
      app_access: appAccess,
      ip_access: ranges.length ? ranges.join(",") : null,
    };
    let created: string | undefined;
    const ok = await action.run(async () => {
      if (policy) {
        await data(`/policies/${policy.id}`, { method: "PATCH", body: fields });
        await syncRoles(directory, policy.id, roles);
      } else {
        // One request: the access rows are created with the policy, or neither is.
        const saved = await data<Policy>("/policies", { method: "POST", body: { ...fields, roles: [...roles].map((role) => ({ role })) } });
        created = saved.id;
      }
    });
    reload();
    if (!ok) return;
    toast("success", policy ? `Saved policy ${policyLabel(directory, policy)}.` : `Created policy ${name.trim()}.`);
    onClose();
    if (created) navigate(`/access/policies/${created}`);
  };
  const title = policy ? `Edit policy ${policyLabel(directory, policy)}` : "Create policy";
  return (
    <Dialog title={title} onClose={onClose} onSubmit={submit} submitLabel={policy ? "Save" : "Create policy"} busy={action.busy} error={action.error}>
      {isPublic ? (
        <p className="notice notice-info">The public policy applies to requests without a token, and to users without a role.</p>
      ) : (
        <>
          <div className="field">
            <label htmlFor="policy-name">Name</label>
            <input id="policy-name" required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="policy-description">Description</label>
            <textarea id="policy-description" rows={2} value={description} onChange={(event) => setDescription(event.target.value)} />
          </div>
        </>
      )}
      <fieldset className="field">
        <legend>Access</legend>
        <label className="check">
          <input type="checkbox" checked={adminAccess} onChange={(event) => setAdminAccess(event.target.checked)} aria-describedby="policy-admin-help" />
          Admin access
        </label>
        <small id="policy-admin-help" className="help check-help">
          Everything is allowed, whatever the permissions say.
        </small>
        <label className="check">
          <input type="checkbox" checked={appAccess} onChange={(event) => setAppAccess(event.target.checked)} aria-describedby="policy-app-help" />
          App access
        </label>
        <small id="policy-app-help" className="help check-help">
          May use the studio, and read their own user and role.
        </small>
      </fieldset>
      <div className="field">
        <label htmlFor="policy-ip">Allowed IP addresses</label>
        <input id="policy-ip" className="code" value={ipAccess} placeholder="10.0.0.0/8, 192.168.1.20" onChange={(event) => setIpAccess(event.target.value)} aria-describedby="policy-ip-help" />
        <small id="policy-ip-help" className="help">
          Comma-separated addresses or CIDR ranges. Empty: from anywhere.
        </small>
      </div>
      <Checklist
        legend="Roles using this policy"
        options={[...directory.roles]
          .map((role) => ({ id: role.id, label: rolePath(directory.roles, role.id) }))
          .sort((a, b) => a.label.localeCompare(b.label))}
        selected={roles}
        onChange={setRoles}
        empty="No roles exist yet."
      />
    </Dialog>
  );
}

function DeletePolicyDialog({ policy, directory, reload, onClose }: { policy: Policy; directory: Directory; reload: () => void; onClose: () => void }) {
  const links = directory.access.filter((row) => row.policy === policy.id).length;
  return (
    <ConfirmDialog
      title={`Delete policy ${policy.name}?`}
      message={`Its permissions are deleted${links ? `, and the ${links === 1 ? "role or user" : `${links} roles and users`} using it lose what it granted` : ""}.`}
      run={() => data(`/policies/${policy.id}`, { method: "DELETE" })}
      success={`Deleted policy ${policy.name}.`}
      onDone={reload}
      onClose={onClose}
    />
  );
}
