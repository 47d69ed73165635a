// Access: users, roles and policies (tabs), and one policy's permissions grid at /access/policies/<id>.
import { useEffect } from "react";
import { useAsync } from "../api/use-async";
import type { Me } from "../app";
import { Link } from "../components/link";
import { ErrorNotice, Loading } from "../components/status";
import { navigate } from "../router";
import { loadDirectory, type Directory } from "./access/directory";
import { PoliciesTab } from "./access/policies";
import { PolicyPage } from "./access/policy-page";
import { RolesTab } from "./access/roles";
import { UsersTab } from "./access/users";
import "./access/access.css";

const tabs = [
  { path: "users", label: "Users" },
  { path: "roles", label: "Roles" },
  { path: "policies", label: "Policies" },
] as const;

export interface DirectoryProps {
  directory: Directory;
  reload: () => void;
}

export function AccessPage({ params, me }: { params: string[]; me: Me }) {
  const tab = params[0] ?? "users";
  const known = tabs.some((item) => item.path === tab);
  useEffect(() => {
    if (!known) navigate("/access/users", { replace: true });
  }, [known]);
  const directory = useAsync(() => loadDirectory(me.id), [me.id]);
  const policyId = tab === "policies" ? params[1] : undefined;
  return (
    <>
      <div className="page-header">
        <h1>Access</h1>
      </div>
      <nav aria-label="Access sections">
        <ul className="tabs access-tabs">
          {tabs.map((item) => (
            <li key={item.path}>
              <Link to={`/access/${item.path}`} aria-current={tab !== item.path ? undefined : policyId ? "true" : "page"}>
                {item.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      {!directory.data ? (
        directory.loading ? <Loading label="Loading users, roles and policies…" /> : <ErrorNotice error={directory.error} onRetry={directory.reload} />
      ) : (
        <>
          {directory.error !== undefined && <ErrorNotice error={directory.error} onRetry={directory.reload} />}
          {tab === "users" && <UsersTab directory={directory.data} reload={directory.reload} />}
          {tab === "roles" && <RolesTab directory={directory.data} reload={directory.reload} />}
          {tab === "policies" && !policyId && <PoliciesTab directory={directory.data} reload={directory.reload} />}
          {policyId && <PolicyPage policyId={policyId} directory={directory.data} reload={directory.reload} />}
        </>
      )}
    </>
  );
}
