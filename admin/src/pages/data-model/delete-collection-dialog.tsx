// Deleting a collection drops its table and data: the admin confirms by typing its name.
import { useId, useState } from "react";
import { request } from "../../api/client";
import { reloadSchema, type Schema } from "../../api/schema";
import { useAction } from "../../api/use-async";
import { Dialog } from "../../components/dialog";
import { toast } from "../../components/toast";
import { navigate } from "../../router";
import { relationsOf } from "./model";

export function DeleteCollectionDialog({ schema, collection, onClose }: { schema: Schema; collection: string; onClose: () => void }) {
  const id = useId();
  const [typed, setTyped] = useState("");
  const [touched, setTouched] = useState(false);
  const action = useAction();
  const matches = typed === collection;
  const relationCount = relationsOf(schema, collection).length;

  const submit = async () => {
    setTouched(true);
    if (!matches) return document.getElementById(`${id}-confirm`)?.focus();
    const ok = await action.run(() => request(`/collections/${encodeURIComponent(collection)}`, { method: "DELETE" }));
    if (!ok) return;
    // Leave the page before the schema forgets the collection, so it never shows as missing.
    navigate("/data-model");
    await reloadSchema();
    toast("success", `Collection “${collection}” deleted.`);
  };

  return (
    <Dialog title={`Delete collection ${collection}?`} onClose={onClose} onSubmit={submit} submitLabel="Delete collection" busy={action.busy} error={action.error}>
      <p>
        This drops the table <code>{collection}</code> with all its items
        {relationCount > 0 ? `, and removes the ${relationCount} relation${relationCount === 1 ? "" : "s"} it takes part in` : ""}. It can't be undone.
      </p>
      <div className="field">
        <label htmlFor={`${id}-confirm`}>Type {collection} to confirm</label>
        <input
          id={`${id}-confirm`}
          value={typed}
          autoFocus
          spellCheck={false}
          autoComplete="off"
          aria-invalid={touched && !matches ? true : undefined}
          aria-describedby={`${id}-confirm-help`}
          onChange={(event) => setTyped(event.target.value)}
        />
        <small id={`${id}-confirm-help`} className={touched && !matches ? "help help-error" : "help"}>
          {touched && !matches ? `Type exactly “${collection}”.` : "The name, exactly as shown."}
        </small>
      </div>
    </Dialog>
  );
}
