// Create, edit or view one item in a dialog, with a form generated from the collection's fields.
import { useMemo, useState } from "react";
import { data, request } from "../../api/client";
import type { Schema } from "../../api/schema";
import { useAction, useAsync } from "../../api/use-async";
import { Dialog } from "../../components/dialog";
import { ErrorNotice, Loading } from "../../components/status";
import { toast } from "../../components/toast";
import { FieldInput } from "./field-input";
import { formFieldsOf, formQueryFields, initialValues, payloadOf, type FormMode, type Junctions } from "./item-form";
import type { Item, Key, Permissions } from "./model";

interface ItemDialogProps {
  schema: Schema;
  collection: string;
  permissions: Permissions | undefined;
  mode: FormMode;
  /** The item to edit or view; none to create one. */
  itemKey?: Key;
  onClose: () => void;
  onSaved: () => void;
}

const itemPath = (collection: string, key?: Key) => `/items/${encodeURIComponent(collection)}${key === undefined ? "" : `/${encodeURIComponent(String(key))}`}`;

export function ItemDialog({ schema, collection, permissions, mode, itemKey, onClose, onSaved }: ItemDialogProps) {
  const formFields = useMemo(() => formFieldsOf(schema, collection, permissions, mode), [schema, collection, permissions, mode]);
  const item = useAsync(() => (itemKey === undefined ? Promise.resolve(undefined) : data<Item>(itemPath(collection, itemKey), { query: { fields: formQueryFields(formFields, schema) } })), [collection, itemKey]);
  const title = mode === "create" ? `Create item in ${collection}` : `${mode === "edit" ? "Edit" : "View"} item ${itemKey} in ${collection}`;

  if (itemKey !== undefined && (item.loading || !item.data)) {
    return (
      <Dialog title={title} onClose={onClose} wide>
        {item.error !== undefined ? <ErrorNotice error={item.error} onRetry={item.reload} /> : <Loading label="Loading the item…" />}
      </Dialog>
    );
  }
  return <ItemForm schema={schema} collection={collection} mode={mode} itemKey={itemKey} onClose={onClose} onSaved={onSaved} title={title} formFields={formFields} item={item.data} />;
}

function ItemForm({ schema, collection, mode, itemKey, onClose, onSaved, title, formFields, item }: Omit<ItemDialogProps, "permissions"> & { title: string; formFields: ReturnType<typeof formFieldsOf>; item: Item | undefined }) {
  const start = useMemo(() => initialValues(formFields, schema, item), [formFields, schema, item]);
  const [values, setValues] = useState(start.values);
  const [invalidJson, setInvalidJson] = useState<ReadonlySet<string>>(new Set());
  const save = useAction();
  const [problem, setProblem] = useState<Error>();
  const junctions: Junctions = start.junctions;

  const change = (name: string, value: unknown, valid = true) => {
    setValues((current) => ({ ...current, [name]: valid ? value : current[name] }));
    setInvalidJson((current) => {
      const next = new Set(current);
      if (valid) next.delete(name);
      else next.add(name);
      return next;
    });
  };

  const submit = async () => {
    // Nothing is sent while a JSON box can't be read.
    setProblem(invalidJson.size > 0 ? new Error(`Fix the JSON in ${[...invalidJson].join(", ")} first.`) : undefined);
    if (invalidJson.size > 0) return;
    const creating = mode === "create";
    const payload = payloadOf(formFields, schema, start.values, values, junctions, creating);
    if (!creating && Object.keys(payload).length === 0) return onClose();
    const saved = await save.run(() => request(itemPath(collection, creating ? undefined : itemKey), { method: creating ? "POST" : "PATCH", body: payload }));
    if (!saved) return;
    toast("success", creating ? `Item created in ${collection}.` : `Item ${itemKey} saved.`);
    onSaved();
    onClose();
  };

  return (
    <Dialog title={title} onClose={onClose} onSubmit={mode === "view" ? undefined : submit} submitLabel={mode === "create" ? "Create" : "Save"} busy={save.busy} error={problem ?? save.error} wide>
      {formFields.length === 0 && <p className="muted">There are no fields you can {mode === "create" ? "fill in" : "see"} here.</p>}
      <div className="item-form">
        {formFields.map(({ field, relational, readOnly, required }) => (
          <div key={field.field} className={field.type === "text" || field.type === "json" || (relational && relational.kind !== "m2o") ? "item-field item-field-wide" : "item-field"}>
            <FieldInput schema={schema} field={field} relational={relational} value={values[field.field]} onChange={(value, valid) => change(field.field, value, valid)} required={required} readOnly={readOnly} display={readOnly ? String(values[field.field] ?? "") : undefined} />
          </div>
        ))}
      </div>
      {mode !== "view" && formFields.some((field) => field.required) && (
        <p className="help">
          <span aria-hidden="true">* </span>Required fields.
        </p>
      )}
    </Dialog>
  );
}
