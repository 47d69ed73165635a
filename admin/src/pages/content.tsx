// Content: the collections the signed-in user can see (GET /collections lists only those) and their items.
import type { Me } from "../app";
import { data } from "../api/client";
import { userCollections, useSchema, type Collection } from "../api/schema";
import { useAsync } from "../api/use-async";
import { Link } from "../components/link";
import { Empty, ErrorNotice, Loading } from "../components/status";
import { CollectionView } from "./content/collection-view";
import type { Permissions } from "./content/model";
import "./content/content.css";

export function ContentPage({ params, me }: { params: string[]; me: Me }) {
  const { schema, error, reload } = useSchema({ fresh: true });
  const permissions = useAsync(() => data<Permissions>("/permissions/me"), [me.id]);
  const current = params[0];
  if (!schema) return error !== undefined ? <ErrorNotice error={error} onRetry={reload} /> : <Loading label="Loading collections…" />;
  if (!permissions.data) return permissions.error !== undefined ? <ErrorNotice error={permissions.error} onRetry={permissions.reload} /> : <Loading label="Loading your permissions…" />;
  const collections = userCollections(schema);
  const known = collections.some((collection) => collection.collection === current);
  return (
    <div className={current ? "split content-page content-page-open" : "split content-page"}>
      <CollectionNav collections={collections} current={current} />
      <div className="content-main">
        {!current ? (
          <CollectionList collections={collections} me={me} />
        ) : known ? (
          <>
            <Link to="/content" className="content-back">
              ← All collections
            </Link>
            <CollectionView key={current} schema={schema} collection={current} permissions={permissions.data} />
          </>
        ) : (
          <ErrorNotice error={new Error(`There is no collection "${current}" that you can read.`)} onRetry={reload} />
        )}
      </div>
    </div>
  );
}

function CollectionNav({ collections, current }: { collections: Collection[]; current: string | undefined }) {
  const shown = collections.filter((collection) => !collection.meta?.hidden);
  const hidden = collections.filter((collection) => collection.meta?.hidden);
  const link = (collection: Collection) => (
    <li key={collection.collection}>
      <Link to={`/content/${encodeURIComponent(collection.collection)}`} aria-current={collection.collection === current ? "page" : undefined}>
        {collection.collection}
      </Link>
    </li>
  );
  return (
    <nav className="content-nav" aria-label="Collections">
      {shown.length > 0 ? <ul className="sidebar-list">{shown.map(link)}</ul> : <p className="muted">No collections.</p>}
      {hidden.length > 0 && (
        <details className="hidden-collections" open={hidden.some((collection) => collection.collection === current)}>
          <summary>Hidden collections ({hidden.length})</summary>
          <ul className="sidebar-list">{hidden.map(link)}</ul>
        </details>
      )}
    </nav>
  );
}

function CollectionList({ collections, me }: { collections: Collection[]; me: Me }) {
  return (
    <section aria-labelledby="content-title">
      <header className="page-header">
        <h1 id="content-title">Content</h1>
      </header>
      {collections.length === 0 ? (
        <Empty title="No collections to show">
          <p>{me.admin ? <>Create one in <Link to="/data-model">Data model</Link>.</> : "You can't read any collection yet: ask an administrator for access."}</p>
        </Empty>
      ) : (
        <>
          <p className="muted">Pick a collection to browse, search and edit its items. Changes made anywhere show up live.</p>
          <ul className="collection-cards">
            {collections.map((collection) => (
              <li key={collection.collection} className="card">
                <Link to={`/content/${encodeURIComponent(collection.collection)}`} className="collection-card-link">
                  {collection.collection}
                </Link>
                {collection.meta?.hidden && <span className="badge">hidden</span>}
                <p className="muted">{collection.meta?.note || "No description."}</p>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
