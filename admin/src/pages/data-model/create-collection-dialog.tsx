// Creating a collection: its name, the kind of primary key, and the fields the server stamps itself.
import { useId, useState } from "react";
import { request } from "../../api/client";
import { reloadSchema } from "../../api/schema";
import { useAction } from "../../api/use-async";
import { Dialog } from "../../components/dialog";
import { toast } from "../../components/toast";
import { navigate } from "../../router";
import { createRelation, nameProblem, primaryKeyField, runSteps, STAMP_FIELDS, type PrimaryKeyKind, type StampField } from "./model";

const PRIMARY_KEYS: Array<{ kind: PrimaryKeyKind; label: string; hint: string }> = [
  { kind: "integer", label: "Auto-increment integer", hint: "1, 2, 3… assigned by the database." },
  { kind: "uuid", label: "Generated UUID", hint: "A random UUID assigned by the server." },
  { kind: "string", label: "Manually entered string", hint: "You type the key of every item." },
];

const STAMPS: Array<{ field: StampField; label: string }> = [
  { field: "date_created", label: "When an item was created" },
  { field: "date_updated", label: "When an item was last updated" },
  { field: "user_created", label: "Who created an item" },
  { field: "user_updated", label: "Who last updated an item" },
];

export function CreateCollectionDialog({ onClose }: { onClose: () => void }) {
  const id = useId();
  const [name, setName] = useState("");
  const [touched, setTouched] = useState(false);
  const [primaryKey, setPrimaryKey] = useState<PrimaryKeyKind>("integer");
  const [stamps, setStamps] = useState<Set<StampField>>(new Set());
  const action = useAction();
  const problem = nameProblem(name, "collection");

  const toggle = (field: StampField, on: boolean) =>
    setStamps((previous) => {
      const next = new Set(previous);
      if (on) next.add(field);
      else next.delete(field);
      return next;
    });

  const submit = async () => {
    setTouched(true);
    if (problem) return document.getElementById(`${id}-name`)?.focus();
    const chosen = STAMPS.map((stamp) => stamp.field).filter((field) => stamps.has(field));
    // The server takes every field in POST /collections; user stamps also need their relation to directus_users.
    const ok = await action.run(() =>
      runSteps([
        {
          run: () => request("/collections", { method: "POST", body: { collection: name, meta: {}, schema: {}, fields: [primaryKeyField(primaryKey), ...chosen.map((field) => STAMP_FIELDS[field])] } }),
          undo: () => request(`/collections/${encodeURIComponent(name)}`, { method: "DELETE" }),
        },
        ...chosen
          .filter((field) => field.startsWith("user_"))
          .map((field) => createRelation({ collection: name, field, related_collection: "directus_users", schema: { on_delete: "SET NULL" } })),
      ]),
    );
    if (!ok) return;
    await reloadSchema();
    toast("success", `Collection “${name}” created.`);
    onClose();
    navigate(`/data-model/${encodeURIComponent(name)}`);
  };

  return (
    <Dialog title="Create collection" onClose={onClose} onSubmit={submit} submitLabel="Create collection" busy={action.busy} error={action.error}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          autoFocus
          spellCheck={false}
          autoComplete="off"
          aria-invalid={touched && problem ? true : undefined}
          aria-describedby={`${id}-name-help`}
          onChange={(event) => setName(event.target.value)}
          onBlur={() => name !== "" && setTouched(true)}
        />
        <small id={`${id}-name-help`} className={touched && problem ? "help help-error" : "help"}>
          {touched && problem ? problem : "Letters, digits and underscores, e.g. blog_posts. It is also the table's name."}
        </small>
      </div>
      <fieldset className="field">
        <legend>Primary key</legend>
        {PRIMARY_KEYS.map((option) => (
          <label key={option.kind} className="check">
            <input type="radio" name={`${id}-pk`} value={option.kind} checked={primaryKey === option.kind} onChange={() => setPrimaryKey(option.kind)} />
            <span>
              {option.label} <span className="help">— {option.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>Fields the server fills in</legend>
        {STAMPS.map((stamp) => (
          <label key={stamp.field} className="check">
            <input type="checkbox" checked={stamps.has(stamp.field)} onChange={(event) => toggle(stamp.field, event.target.checked)} />
            <span>
              <code>{stamp.field}</code> <span className="help">— {stamp.label}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </Dialog>
  );
}
