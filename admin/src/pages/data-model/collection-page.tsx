// One collection: its fields with their flags and relations, and the dialogs that change them.
import { useState } from "react";
import { request } from "../../api/client";
import { fieldsOf, isSystemCollection, reloadSchema, type Field, type Schema } from "../../api/schema";
import { ConfirmDialog } from "../../components/dialog";
import { Link } from "../../components/link";
import { Empty } from "../../components/status";
import { CollectionSidebar } from "./collection-sidebar";
import { DeleteCollectionDialog } from "./delete-collection-dialog";
import { FieldDialog } from "./field-dialog";
import { RelationsTable } from "./relations-table";
import { RelationDialog } from "./relation-dialog";
import { relationRoleOf } from "./model";

type Open = { dialog: "add-field" } | { dialog: "edit-field"; field: Field } | { dialog: "delete-field"; field: Field } | { dialog: "relation" } | { dialog: "delete-collection" };

export function CollectionPage({ schema, collection, onCreateCollection }: { schema: Schema; collection: string; onCreateCollection: () => void }) {
  const [open, setOpen] = useState<Open>();
  const close = () => setOpen(undefined);
  const found = schema.collections.find((item) => item.collection === collection);
  const fields = fieldsOf(schema, collection);
  return (
    <div className="split dm-split">
      <CollectionSidebar schema={schema} current={collection} onCreate={onCreateCollection} />
      <section aria-labelledby="dm-collection-title">
        {!found || isSystemCollection(collection) ? (
          <>
            <h1 id="dm-collection-title">{collection}</h1>
            <Empty title={`There is no collection named “${collection}”.`}>
              <Link to="/data-model">Back to all collections</Link>
            </Empty>
          </>
        ) : (
          <>
            <div className="page-header">
              <h1 id="dm-collection-title">{collection}</h1>
              {found.meta?.hidden && <span className="badge">hidden</span>}
              <div className="actions">
                <button type="button" onClick={() => setOpen({ dialog: "add-field" })}>
                  Add field
                </button>
                <button type="button" className="button-secondary" onClick={() => setOpen({ dialog: "relation" })}>
                  Add relation
                </button>
                <button type="button" className="button-danger" onClick={() => setOpen({ dialog: "delete-collection" })}>
                  Delete collection
                </button>
              </div>
            </div>
            {found.meta?.note && <p className="muted">{found.meta.note}</p>}
            <h2>Fields</h2>
            <FieldsTable schema={schema} collection={collection} fields={fields} onEdit={(field) => setOpen({ dialog: "edit-field", field })} onDelete={(field) => setOpen({ dialog: "delete-field", field })} />
            <h2 className="dm-section-title">Relations</h2>
            <RelationsTable schema={schema} collection={collection} />
          </>
        )}
      </section>
      {open?.dialog === "add-field" && <FieldDialog schema={schema} collection={collection} onClose={close} />}
      {open?.dialog === "edit-field" && <FieldDialog schema={schema} collection={collection} field={open.field} onClose={close} />}
      {open?.dialog === "delete-field" && <DeleteFieldDialog field={open.field} onClose={close} />}
      {open?.dialog === "relation" && <RelationDialog schema={schema} collection={collection} onClose={close} />}
      {open?.dialog === "delete-collection" && <DeleteCollectionDialog schema={schema} collection={collection} onClose={close} />}
    </div>
  );
}

function FieldsTable({ schema, collection, fields, onEdit, onDelete }: { schema: Schema; collection: string; fields: Field[]; onEdit: (field: Field) => void; onDelete: (field: Field) => void }) {
  if (fields.length === 0) return <Empty title="This collection has no fields." />;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Fields of {collection}</caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Type</th>
            <th scope="col">Flags</th>
            <th scope="col" className="actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {fields.map((field) => (
            <tr key={field.field}>
              <th scope="row" className="dm-row-head">
                <code>{field.field}</code>
                {field.meta?.note && <div className="help">{field.meta.note}</div>}
              </th>
              <td>
                <code>{field.type}</code>
                {field.schema?.max_length ? <span className="muted"> ({field.schema.max_length})</span> : null}
              </td>
              <td>
                <FieldFlags schema={schema} field={field} />
              </td>
              <td className="actions">
                <button type="button" className="button-link" aria-label={`Edit field ${field.field}`} onClick={() => onEdit(field)}>
                  Edit
                </button>
                {!field.schema?.is_primary_key && (
                  <button type="button" className="button-link danger-link" aria-label={`Delete field ${field.field}`} onClick={() => onDelete(field)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

const RELATIONAL_SPECIALS = new Set(["m2o", "o2m", "m2m"]);

function FieldFlags({ schema, field }: { schema: Schema; field: Field }) {
  const column = field.schema;
  const role = relationRoleOf(schema, field);
  const specials = (field.meta?.special ?? []).filter((special) => !RELATIONAL_SPECIALS.has(special));
  return (
    <ul className="dm-flags" aria-label={`Flags of ${field.field}`}>
      {column?.is_primary_key && <li className="badge badge-accent">primary key</li>}
      {column?.has_auto_increment && <li className="badge">auto-increment</li>}
      {role?.kind === "m2o" && <li className="badge badge-success">m2o → {role.related}</li>}
      {role?.kind === "o2m" && (
        <li className="badge badge-success">
          o2m → {role.related}.{role.via}
        </li>
      )}
      {role?.kind === "m2m" && (
        <li className="badge badge-success">
          m2m → {role.related} via {role.junction}
        </li>
      )}
      {role?.kind === "broken" && <li className="badge badge-danger">{role.problem}</li>}
      {field.meta?.required && <li className="badge badge-accent">required</li>}
      {column?.is_unique && <li className="badge">unique</li>}
      {column && !column.is_primary_key && (column.is_nullable ? <li className="badge">nullable</li> : <li className="badge">not null</li>)}
      {column?.default_value !== null && column?.default_value !== undefined && <li className="badge">default {JSON.stringify(column.default_value)}</li>}
      {specials.map((special) => (
        <li key={special} className="badge">
          {special}
        </li>
      ))}
      {field.meta?.hidden && <li className="badge">hidden</li>}
      {field.meta?.readonly && <li className="badge">read-only</li>}
    </ul>
  );
}

function DeleteFieldDialog({ field, onClose }: { field: Field; onClose: () => void }) {
  const message =
    field.type === "alias"
      ? `This removes the field ${field.collection}.${field.field}. It has no column: the related items stay.`
      : `This drops the column ${field.collection}.${field.field} and every value in it, and any relation it holds.`;
  return (
    <ConfirmDialog
      title={`Delete field ${field.field}?`}
      message={message}
      confirmLabel="Delete field"
      run={() => request(`/fields/${encodeURIComponent(field.collection)}/${encodeURIComponent(field.field)}`, { method: "DELETE" })}
      success={`Field “${field.field}” deleted.`}
      onDone={reloadSchema}
      onClose={onClose}
    />
  );
}
