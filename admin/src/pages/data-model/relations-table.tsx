// Every relation a collection takes part in, as the server reports it (GET /relations).
import type { Schema } from "../../api/schema";
import { Empty } from "../../components/status";
import { relationsOf } from "./model";

export function RelationsTable({ schema, collection }: { schema: Schema; collection: string }) {
  const relations = relationsOf(schema, collection);
  if (relations.length === 0) return <Empty title="No relations yet." />;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Relations of {collection}</caption>
        <thead>
          <tr>
            <th scope="col">Key field</th>
            <th scope="col">Points at</th>
            <th scope="col">One-to-many field</th>
            <th scope="col">Junction partner</th>
            <th scope="col">On delete</th>
          </tr>
        </thead>
        <tbody>
          {relations.map((relation) => (
            <tr key={`${relation.collection}.${relation.field}`}>
              <td>
                <code>
                  {relation.collection}.{relation.field}
                </code>
              </td>
              <td>
                <code>{relation.related_collection ?? "—"}</code>
              </td>
              <td>{relation.meta?.one_field ? <code>{`${relation.related_collection}.${relation.meta.one_field}`}</code> : <span className="muted">none</span>}</td>
              <td>{relation.meta?.junction_field ? <code>{`${relation.collection}.${relation.meta.junction_field}`}</code> : <span className="muted">none</span>}</td>
              <td>{relation.schema?.on_delete ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
