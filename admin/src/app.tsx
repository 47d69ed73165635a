// The studio shell: sign-in gate, navigation, and the page for the current route.
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { data, request } from "./api/client";
import { realtime } from "./api/realtime";
import { forgetSchema } from "./api/schema";
import { session } from "./api/session";
import { useAsync } from "./api/use-async";
import { Link } from "./components/link";
import { ErrorNotice, Loading } from "./components/status";
import { Toasts } from "./components/toast";
import { AccessPage } from "./pages/access";
import { ContentPage } from "./pages/content";
import { DataModelPage } from "./pages/data-model";
import { InspectorPage } from "./pages/inspector";
import { SignInPage } from "./pages/sign-in";
import { navigate, useRoute } from "./router";

export interface Me {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string | null;
  /** Has an admin_access policy (the server answers /server/metrics to admins only). */
  admin: boolean;
}

async function loadMe(): Promise<Me> {
  const [user, admin] = await Promise.all([
    data<Omit<Me, "admin">>("/users/me", { query: { fields: ["id", "email", "first_name", "last_name"] } }),
    request("/server/metrics").then(
      () => true,
      () => false,
    ),
  ]);
  return { ...user, admin };
}

function useSignedIn() {
  return useSyncExternalStore(
    (listener) => session.onChange(listener),
    () => session.signedIn,
  );
}

export function App() {
  const signedIn = useSignedIn();
  const [resuming, setResuming] = useState(true);
  useEffect(() => {
    void session.resume().finally(() => setResuming(false));
  }, []);
  useEffect(() => {
    if (!signedIn) {
      realtime.reset();
      forgetSchema();
    }
  }, [signedIn]);
  return (
    <>
      {resuming ? <Loading label="Restoring your session…" /> : signedIn ? <Studio /> : <SignInPage />}
      <Toasts />
    </>
  );
}

const sections = [
  { path: "content", label: "Content", adminOnly: false },
  { path: "data-model", label: "Data model", adminOnly: true },
  { path: "access", label: "Access", adminOnly: true },
  { path: "inspector", label: "Realtime inspector", adminOnly: false },
];

function Studio() {
  const route = useRoute();
  const me = useAsync(loadMe, []);
  const section = route[0] ?? "";
  const path = route.join("/");
  useEffect(() => {
    if (!sections.some((item) => item.path === section)) navigate("/content", { replace: true });
  }, [section]);
  // After in-app navigation, tell the browser (tab title) and screen readers (focus) where we are.
  const firstRender = useRef(true);
  useEffect(() => {
    const label = sections.find((item) => item.path === section)?.label;
    document.title = label ? `${label} · Tidings Studio` : "Tidings Studio";
    if (firstRender.current) firstRender.current = false;
    else document.getElementById("main")?.focus({ preventScroll: true });
  }, [path, section]);
  if (me.loading && !me.data) return <Loading label="Loading your account…" />;
  if (!me.data) return <ErrorNotice error={me.error} onRetry={me.reload} />;
  const visible = sections.filter((item) => me.data!.admin || !item.adminOnly);
  const params = route.slice(1);
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/content" className="brand">
          Tidings <span>Studio</span>
        </Link>
        <nav aria-label="Sections">
          <ul>
            {visible.map((item) => (
              <li key={item.path}>
                <Link to={`/${item.path}`} aria-current={section === item.path ? "page" : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="account-email" title={me.data.email}>
            {me.data.email}
          </span>
          <button type="button" className="button-secondary" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {section === "content" && <ContentPage params={params} me={me.data} />}
        {section === "data-model" && (me.data.admin ? <DataModelPage params={params} /> : <AdminOnly />)}
        {section === "access" && (me.data.admin ? <AccessPage params={params} me={me.data} /> : <AdminOnly />)}
        {section === "inspector" && <InspectorPage me={me.data} />}
      </main>
    </div>
  );
}

function AdminOnly() {
  return <ErrorNotice error={new Error("Only administrators can open this page.")} />;
}
