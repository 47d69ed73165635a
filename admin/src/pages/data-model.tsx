// Data model (admins): the user collections, their fields and relations; /data-model and /data-model/<collection>.
import { useState } from "react";
import { userCollections, useSchema, type Schema } from "../api/schema";
import { Link } from "../components/link";
import { Empty, ErrorNotice, Loading } from "../components/status";
import { CollectionPage } from "./data-model/collection-page";
import { CreateCollectionDialog } from "./data-model/create-collection-dialog";
import { relationsOf } from "./data-model/model";
import "./data-model/data-model.css";

export function DataModelPage({ params }: { params: string[] }) {
  const { schema, error, loading, reload } = useSchema();
  const [creating, setCreating] = useState(false);
  if (loading && !schema) return <Loading label="Loading the data model…" />;
  if (!schema) return <ErrorNotice error={error} onRetry={reload} />;
  const selected = params[0];
  return (
    <>
      {/* A failed reload after a change: what is shown may be out of date. */}
      {error !== undefined && <ErrorNotice error={error} onRetry={reload} />}
      {selected ? <CollectionPage schema={schema} collection={selected} onCreateCollection={() => setCreating(true)} /> : <Overview schema={schema} onCreate={() => setCreating(true)} />}
      {creating && <CreateCollectionDialog onClose={() => setCreating(false)} />}
    </>
  );
}

function Overview({ schema, onCreate }: { schema: Schema; onCreate: () => void }) {
  const collections = userCollections(schema);
  return (
    <>
      <div className="page-header">
        <h1>Data model</h1>
        <div className="actions">
          <button type="button" onClick={onCreate}>
            Create collection
          </button>
        </div>
      </div>
      {collections.length === 0 ? (
        <Empty title="No collections yet">
          <p>A collection is a table of items: articles, products, messages… Create one, then add its fields.</p>
          <button type="button" onClick={onCreate}>
            Create your first collection
          </button>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Collections</caption>
            <thead>
              <tr>
                <th scope="col">Collection</th>
                <th scope="col">Fields</th>
                <th scope="col">Relations</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {collections.map((collection) => (
                <tr key={collection.collection}>
                  <td>
                    <Link to={`/data-model/${encodeURIComponent(collection.collection)}`}>{collection.collection}</Link>
                    {collection.meta?.hidden && <span className="badge dm-badge-gap">hidden</span>}
                  </td>
                  <td>{schema.fields.filter((field) => field.collection === collection.collection).length}</td>
                  <td>{relationsOf(schema, collection.collection).length}</td>
                  <td className="muted">{collection.meta?.note ?? ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
