// The Users tab: who can sign in, their role and policies (own and through the role), status and static token.
import { useMemo, useState } from "react";
import { data } from "../../api/client";
import { useAction } from "../../api/use-async";
import { ConfirmDialog, Dialog } from "../../components/dialog";
import { Empty } from "../../components/status";
import { toast } from "../../components/toast";
import type { DirectoryProps } from "../access";
import { Checklist } from "./checklist";
import { hasToken, policiesOf, policiesOfRoles, policyLabel, roleChain, rolePath, rowsOf, syncPolicies, userName, USER_STATUSES, type Directory, type User, type UserStatus } from "./directory";
import { PolicyBadges } from "./policies";
import { TokenDialog, randomToken } from "./token-dialog";

type Open =
  | { kind: "create" }
  | { kind: "edit"; user: User }
  | { kind: "status"; user: User; status: UserStatus }
  | { kind: "delete"; user: User }
  | { kind: "generate-token"; user: User }
  | { kind: "remove-token"; user: User }
  | { kind: "show-token"; user: User; token: string };

const label = (user: User) => user.email || userName(user) || user.id;

export function UsersTab({ directory, reload }: DirectoryProps) {
  const [open, setOpen] = useState<Open>();
  const [search, setSearch] = useState("");
  const close = () => setOpen(undefined);
  const users = useMemo(() => {
    const needle = search.trim().toLowerCase();
    if (!needle) return directory.users;
    return directory.users.filter((user) => `${user.email ?? ""} ${userName(user)}`.toLowerCase().includes(needle));
  }, [directory.users, search]);
  return (
    <section aria-label="Users">
      <div className="toolbar">
        <div className="field">
          <label htmlFor="user-search">Search users</label>
          <input id="user-search" type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
        </div>
        <button type="button" className="toolbar-end" onClick={() => setOpen({ kind: "create" })}>
          Create user
        </button>
      </div>
      {users.length === 0 ? (
        <Empty title={search ? "No user matches this search." : "No users yet."} />
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Policies</th>
                <th scope="col" className="actions">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <UserRow key={user.id} user={user} directory={directory} onOpen={setOpen} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(open?.kind === "create" || open?.kind === "edit") && <UserDialog user={open.kind === "edit" ? open.user : undefined} directory={directory} reload={reload} onClose={close} />}
      {open?.kind === "status" && <StatusDialog user={open.user} status={open.status} reload={reload} onClose={close} />}
      {open?.kind === "delete" && <DeleteUserDialog user={open.user} reload={reload} onClose={close} />}
      {open?.kind === "generate-token" && <GenerateTokenDialog user={open.user} reload={reload} onClose={close} onGenerated={(token) => setOpen({ kind: "show-token", user: open.user, token })} />}
      {open?.kind === "remove-token" && <RemoveTokenDialog user={open.user} reload={reload} onClose={close} />}
      {open?.kind === "show-token" && <TokenDialog email={label(open.user)} token={open.token} onClose={close} />}
    </section>
  );
}

function UserRow({ user, directory, onOpen }: { user: User; directory: Directory; onOpen: (open: Open) => void }) {
  const me = user.id === directory.meId;
  const policies = policiesOf(directory, rowsOf(directory, { user: user.id }));
  const inherited = policiesOfRoles(directory, roleChain(directory.roles, user.role)).filter((policy) => !policies.includes(policy));
  const name = label(user);
  return (
    <tr>
      <td>
        <span className="user-email">{user.email ?? <span className="muted">No email</span>}</span>{" "}
        {me && <span className="badge badge-accent">you</span>} {hasToken(user) && <span className="badge">static token</span>}
      </td>
      <td>{userName(user) || <span className="muted">—</span>}</td>
      <td>{user.role ? rolePath(directory.roles, user.role) || <span className="muted">Unknown role</span> : <span className="muted">No role</span>}</td>
      <td>
        <StatusBadge status={user.status} />
      </td>
      <td>
        {policies.length === 0 && inherited.length === 0 ? (
          <span className="muted">—</span>
        ) : (
          <ul className="inline-list">
            {policies.map((policy) => (
              <li key={policy.id}>
                {policyLabel(directory, policy)} <PolicyBadges policy={policy} />
              </li>
            ))}
            {inherited.map((policy) => (
              <li key={policy.id} className="muted">
                {policyLabel(directory, policy)} <span className="help">(via role)</span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td className="actions">
        <div className="row-actions">
          <button type="button" className="button-link button-small" aria-label={`Edit ${name}`} onClick={() => onOpen({ kind: "edit", user })}>
            Edit
          </button>
          {!me &&
            (user.status === "active" ? (
              <button type="button" className="button-link button-small" aria-label={`Suspend ${name}`} onClick={() => onOpen({ kind: "status", user, status: "suspended" })}>
                Suspend
              </button>
            ) : (
              <button type="button" className="button-link button-small" aria-label={`Reactivate ${name}`} onClick={() => onOpen({ kind: "status", user, status: "active" })}>
                Reactivate
              </button>
            ))}
          <button type="button" className="button-link button-small" aria-label={`Generate token for ${name}`} onClick={() => onOpen({ kind: "generate-token", user })}>
            Generate token
          </button>
          {hasToken(user) && (
            <button type="button" className="button-link button-small" aria-label={`Remove token of ${name}`} onClick={() => onOpen({ kind: "remove-token", user })}>
              Remove token
            </button>
          )}
          {!me && (
            <button type="button" className="button-link button-small danger-link" aria-label={`Delete ${name}`} onClick={() => onOpen({ kind: "delete", user })}>
              Delete
            </button>
          )}
        </div>
      </td>
    </tr>
  );
}

function StatusBadge({ status }: { status: UserStatus }) {
  const tone = status === "active" ? "badge-success" : status === "suspended" ? "badge-danger" : "";
  return <span className={`badge ${tone}`}>{status}</span>;
}

function UserDialog({ user, directory, reload, onClose }: { user?: User; directory: Directory; reload: () => void; onClose: () => void }) {
  const [email, setEmail] = useState(user?.email ?? "");
  const [password, setPassword] = useState("");
  const [firstName, setFirstName] = useState(user?.first_name ?? "");
  const [lastName, setLastName] = useState(user?.last_name ?? "");
  const [role, setRole] = useState(user?.role ?? "");
  const [status, setStatus] = useState<UserStatus>("active");
  const [policies, setPolicies] = useState(() => new Set(user ? rowsOf(directory, { user: user.id }).map((row) => row.policy) : []));
  const action = useAction();
  const roles = [...directory.roles].sort((a, b) => rolePath(directory.roles, a.id).localeCompare(rolePath(directory.roles, b.id)));
  const submit = async () => {
    const fields = { email: email.trim(), first_name: firstName.trim() || null, last_name: lastName.trim() || null, role: role || null, ...(password ? { password } : {}) };
    const ok = await action.run(async () => {
      if (user) {
        await data(`/users/${user.id}`, { method: "PATCH", body: fields });
        await syncPolicies(directory, { user: user.id }, policies);
      } else {
        // One request: the access rows are created with the user, or neither is.
        await data("/users", { method: "POST", body: { ...fields, status, policies: [...policies].map((policy) => ({ policy })) } });
      }
    });
    reload();
    if (!ok) return;
    toast("success", user ? `Saved ${email.trim()}.` : `Created ${email.trim()}.`);
    onClose();
  };
  return (
    <Dialog title={user ? `Edit ${label(user)}` : "Create user"} onClose={onClose} onSubmit={submit} submitLabel={user ? "Save" : "Create user"} busy={action.busy} error={action.error}>
      <div className="field">
        <label htmlFor="user-email">Email</label>
        <input id="user-email" type="email" required autoComplete="off" value={email} onChange={(event) => setEmail(event.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="user-password">{user ? "New password" : "Password"}</label>
        <input id="user-password" type="password" autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} aria-describedby="user-password-help" />
        <small id="user-password-help" className="help">
          {user ? "Leave empty to keep the current password." : "Without a password the user cannot sign in (a static token still works)."}
        </small>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="user-first-name">First name</label>
          <input id="user-first-name" value={firstName} onChange={(event) => setFirstName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="user-last-name">Last name</label>
          <input id="user-last-name" value={lastName} onChange={(event) => setLastName(event.target.value)} />
        </div>
      </div>
      <div className="field-row">
        <div className="field">
          <label htmlFor="user-role">Role</label>
          <select id="user-role" value={role} onChange={(event) => setRole(event.target.value)}>
            <option value="">No role</option>
            {roles.map((item) => (
              <option key={item.id} value={item.id}>
                {rolePath(directory.roles, item.id)}
              </option>
            ))}
          </select>
        </div>
        {!user && (
          <div className="field">
            <label htmlFor="user-status">Status</label>
            <select id="user-status" value={status} onChange={(event) => setStatus(event.target.value as UserStatus)}>
              {USER_STATUSES.map((item) => (
                <option key={item} value={item}>
                  {item}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <Checklist
        legend="Policies (in addition to the role's)"
        options={directory.policies.map((policy) => ({ id: policy.id, label: policyLabel(directory, policy), extra: <PolicyBadges policy={policy} /> }))}
        selected={policies}
        onChange={setPolicies}
        empty="No policies exist yet."
      />
    </Dialog>
  );
}

function StatusDialog({ user, status, reload, onClose }: { user: User; status: UserStatus; reload: () => void; onClose: () => void }) {
  const suspend = status === "suspended";
  return (
    <ConfirmDialog
      title={suspend ? `Suspend ${label(user)}?` : `Reactivate ${label(user)}?`}
      message={suspend ? "The user can no longer sign in, and their sessions and static token stop working until you reactivate them." : "The user can sign in again, and their static token works again."}
      confirmLabel={suspend ? "Suspend" : "Reactivate"}
      run={() => data(`/users/${user.id}`, { method: "PATCH", body: { status } })}
      success={suspend ? `Suspended ${label(user)}.` : `Reactivated ${label(user)}.`}
      onDone={reload}
      onClose={onClose}
    />
  );
}

function DeleteUserDialog({ user, reload, onClose }: { user: User; reload: () => void; onClose: () => void }) {
  return (
    <ConfirmDialog
      title={`Delete ${label(user)}?`}
      message="The account, its direct policy links and its static token are removed for good."
      run={() => data(`/users/${user.id}`, { method: "DELETE" })}
      success={`Deleted ${label(user)}.`}
      onDone={reload}
      onClose={onClose}
    />
  );
}

function GenerateTokenDialog({ user, reload, onClose, onGenerated }: { user: User; reload: () => void; onClose: () => void; onGenerated: (token: string) => void }) {
  // Made once per dialog: shown only after the server stored it.
  const [token] = useState(randomToken);
  return (
    <ConfirmDialog
      title={`Generate a static token for ${label(user)}?`}
      message={hasToken(user) ? "This replaces the user's current static token: anything using it stops working." : "Anyone holding the token can call the API as this user, with this user's permissions."}
      confirmLabel="Generate token"
      run={() => data(`/users/${user.id}`, { method: "PATCH", body: { token } })}
      onDone={() => {
        reload();
        onGenerated(token);
      }}
      onClose={onClose}
    />
  );
}

function RemoveTokenDialog({ user, reload, onClose }: { user: User; reload: () => void; onClose: () => void }) {
  return (
    <ConfirmDialog
      title={`Remove the static token of ${label(user)}?`}
      message="Anything using this token stops working at once."
      confirmLabel="Remove token"
      run={() => data(`/users/${user.id}`, { method: "PATCH", body: { token: null } })}
      success={`Removed the static token of ${label(user)}.`}
      onDone={reload}
      onClose={onClose}
    />
  );
}
