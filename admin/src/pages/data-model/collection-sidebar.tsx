// The list of user collections beside a collection's page, with their field counts.
import { userCollections, type Schema } from "../../api/schema";
import { Link } from "../../components/link";

export function CollectionSidebar({ schema, current, onCreate }: { schema: Schema; current: string; onCreate: () => void }) {
  const collections = userCollections(schema);
  return (
    <nav aria-label="Collections" className="dm-sidebar">
      <div className="dm-sidebar-head">
        <Link to="/data-model">All collections</Link>
        <button type="button" className="button-secondary button-small" onClick={onCreate}>
          Create collection
        </button>
      </div>
      {collections.length === 0 ? (
        <p className="muted">No collections yet.</p>
      ) : (
        <ul className="sidebar-list">
          {collections.map((collection) => {
            const count = schema.fields.filter((field) => field.collection === collection.collection).length;
            return (
              <li key={collection.collection}>
                <Link to={`/data-model/${encodeURIComponent(collection.collection)}`} aria-current={collection.collection === current ? "page" : undefined} className="dm-sidebar-link">
                  <span>{collection.collection}</span>
                  <span className="badge">
                    {count} {count === 1 ? "field" : "fields"}
                  </span>
                </Link>
              </li>
            );
          })}
        </ul>
      )}
    </nav>
  );
}
