// The Roles tab: roles as a tree by parent (a role also gets its ancestors' policies), their members and policies.
import { useState } from "react";
import { data } from "../../api/client";
import { useAction } from "../../api/use-async";
import { ConfirmDialog, Dialog } from "../../components/dialog";
import { Empty } from "../../components/status";
import { toast } from "../../components/toast";
import type { DirectoryProps } from "../access";
import { Checklist } from "./checklist";
import { descendantsOf, policiesOf, policiesOfRoles, policyLabel, roleChain, roleTree, rolePath, rowsOf, syncPolicies, type Directory, type Role, type RoleNode } from "./directory";
import { PolicyBadges } from "./policies";

type Open = { kind: "create"; parent: string | null } | { kind: "edit"; role: Role } | { kind: "delete"; role: Role };

export function RolesTab({ directory, reload }: DirectoryProps) {
  const [open, setOpen] = useState<Open>();
  const close = () => setOpen(undefined);
  const tree = roleTree(directory.roles);
  return (
    <section aria-label="Roles">
      <div className="toolbar">
        <p className="help toolbar-note">A user gets the policies of their role and of every role above it.</p>
        <button type="button" className="toolbar-end" onClick={() => setOpen({ kind: "create", parent: null })}>
          Create role
        </button>
      </div>
      {tree.length === 0 ? (
        <Empty title="No roles yet." />
      ) : (
        <RoleList nodes={tree} directory={directory} onOpen={setOpen} label="Roles" />
      )}
      {(open?.kind === "create" || open?.kind === "edit") && (
        <RoleDialog role={open.kind === "edit" ? open.role : undefined} initialParent={open.kind === "create" ? open.parent : null} directory={directory} reload={reload} onClose={close} />
      )}
      {open?.kind === "delete" && <DeleteRoleDialog role={open.role} directory={directory} reload={reload} onClose={close} />}
    </section>
  );
}

function RoleList({ nodes, directory, onOpen, label }: { nodes: RoleNode[]; directory: Directory; onOpen: (open: Open) => void; label: string }) {
  return (
    <ul className="role-tree" aria-label={label}>
      {nodes.map((node) => (
        <li key={node.role.id} aria-level={node.depth + 1}>
          <RoleCard node={node} directory={directory} onOpen={onOpen} />
          {node.children.length > 0 && <RoleList nodes={node.children} directory={directory} onOpen={onOpen} label={`Roles under ${node.role.name}`} />}
        </li>
      ))}
    </ul>
  );
}

function RoleCard({ node, directory, onOpen }: { node: RoleNode; directory: Directory; onOpen: (open: Open) => void }) {
  const { role } = node;
  const policies = policiesOf(directory, rowsOf(directory, { role: role.id }));
  const inherited = policiesOfRoles(directory, roleChain(directory.roles, role.id).slice(1));
  const members = role.users.length;
  return (
    <div className="role-card">
      <div className="role-main">
        <span className="role-name">{role.name}</span>
        <span className="badge">{members === 1 ? "1 member" : `${members} members`}</span>
        {role.description && <p className="help role-description">{role.description}</p>}
        <p className="role-policies">
          <span className="muted">Policies:</span>{" "}
          {policies.length === 0 ? (
            <span className="muted">none</span>
          ) : (
            policies.map((policy, index) => (
              <span key={policy.id}>
                {index > 0 && ", "}
                {policyLabel(directory, policy)} <PolicyBadges policy={policy} />
              </span>
            ))
          )}
        </p>
        {inherited.length > 0 && (
          <p className="role-policies">
            <span className="muted">Inherited:</span> {inherited.map((policy) => policyLabel(directory, policy)).join(", ")}
          </p>
        )}
      </div>
      <div className="row-actions">
        <button type="button" className="button-link button-small" aria-label={`Add child role under ${role.name}`} onClick={() => onOpen({ kind: "create", parent: role.id })}>
          Add child
        </button>
        <button type="button" className="button-link button-small" aria-label={`Edit ${role.name}`} onClick={() => onOpen({ kind: "edit", role })}>
          Edit
        </button>
        <button type="button" className="button-link button-small danger-link" aria-label={`Delete ${role.name}`} onClick={() => onOpen({ kind: "delete", role })}>
          Delete
        </button>
      </div>
    </div>
  );
}

function RoleDialog({ role, initialParent, directory, reload, onClose }: { role?: Role; initialParent: string | null; directory: Directory; reload: () => void; onClose: () => void }) {
  const [name, setName] = useState(role?.name ?? "");
  const [description, setDescription] = useState(role?.description ?? "");
  const [parent, setParent] = useState(role?.parent ?? initialParent ?? "");
  const [policies, setPolicies] = useState(() => new Set(role ? rowsOf(directory, { role: role.id }).map((row) => row.policy) : []));
  const action = useAction();
  // A role cannot sit under itself or under one of its own descendants.
  const excluded = role ? descendantsOf(directory.roles, role.id) : new Set<string>();
  const parents = directory.roles
    .filter((item) => !excluded.has(item.id))
    .map((item) => ({ id: item.id, path: rolePath(directory.roles, item.id) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const submit = async () => {
    const fields = { name: name.trim(), description: description.trim() || null, parent: parent || null };
    const ok = await action.run(async () => {
      if (role) {
        await data(`/roles/${role.id}`, { method: "PATCH", body: fields });
        await syncPolicies(directory, { role: role.id }, policies);
      } else {
        // One request: the access rows are created with the role, or neither is.
        await data("/roles", { method: "POST", body: { ...fields, policies: [...policies].map((policy) => ({ policy })) } });
      }
    });
    reload();
    if (!ok) return;
    toast("success", role ? `Saved role ${fields.name}.` : `Created role ${fields.name}.`);
    onClose();
  };
  return (
    <Dialog title={role ? `Edit role ${role.name}` : "Create role"} onClose={onClose} onSubmit={submit} submitLabel={role ? "Save" : "Create role"} busy={action.busy} error={action.error}>
      <div className="field">
        <label htmlFor="role-name">Name</label>
        <input id="role-name" required maxLength={100} value={name} onChange={(event) => setName(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="role-description">Description</label>
        <textarea id="role-description" rows={2} value={description} onChange={(event) => setDescription(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="role-parent">Parent role</label>
        <select id="role-parent" value={parent} onChange={(event) => setParent(event.target.value)} aria-describedby="role-parent-help">
          <option value="">None (top level)</option>
          {parents.map((item) => (
            <option key={item.id} value={item.id}>
              {item.path}
            </option>
          ))}
        </select>
        <small id="role-parent-help" className="help">
          The role also gets the parent's policies.
        </small>
      </div>
      <Checklist
        legend="Policies"
        options={directory.policies.map((policy) => ({ id: policy.id, label: policyLabel(directory, policy), extra: <PolicyBadges policy={policy} /> }))}
        selected={policies}
        onChange={setPolicies}
        empty="No policies exist yet."
      />
    </Dialog>
  );
}

function DeleteRoleDialog({ role, directory, reload, onClose }: { role: Role; directory: Directory; reload: () => void; onClose: () => void }) {
  const children = directory.roles.filter((item) => item.parent === role.id).length;
  const members = role.users.length;
  const consequences = [members > 0 && `its ${members === 1 ? "member is" : `${members} members are`} left without a role`, children > 0 && `its ${children === 1 ? "child role moves" : `${children} child roles move`} to the top level`].filter(Boolean);
  return (
    <ConfirmDialog
      title={`Delete role ${role.name}?`}
      message={`The role and its policy links are removed${consequences.length ? `; ${consequences.join(" and ")}` : ""}.`}
      run={() => data(`/roles/${role.id}`, { method: "DELETE" })}
      success={`Deleted role ${role.name}.`}
      onDone={reload}
      onClose={onClose}
    />
  );
}
