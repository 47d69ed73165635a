// Adding a field to a collection, or changing one (PATCH /fields/:collection/:field: the server says what it refuses).
import { useId, useState } from "react";
import { request } from "../../api/client";
import { FIELD_TYPES, reloadSchema, type Field, type Schema } from "../../api/schema";
import { useAction } from "../../api/use-async";
import { Dialog } from "../../components/dialog";
import { toast } from "../../components/toast";
import { DefaultValueInput, defaultToText, textToDefault } from "./default-value";
import { createField, createRelation, nameProblem, relationRoleOf, runSteps } from "./model";

/** Behaviours the server applies to a field, offered where they fit its type. */
const PRESETS: Record<string, Array<{ value: string; label: string }>> = {
  uuid: [
    { value: "uuid", label: "Generate a UUID when an item is created" },
    { value: "user-created", label: "The user who created the item" },
    { value: "user-updated", label: "The user who last updated the item" },
  ],
  timestamp: [
    { value: "date-created", label: "When the item was created" },
    { value: "date-updated", label: "When the item was last updated" },
  ],
  dateTime: [
    { value: "date-created", label: "When the item was created" },
    { value: "date-updated", label: "When the item was last updated" },
  ],
  hash: [{ value: "hash", label: "Hash values when saved (passwords, secrets)" }],
};
const PRESET_VALUES = new Set(Object.values(PRESETS).flatMap((list) => list.map((preset) => preset.value)));
const SERVER_FILLED = new Set(["uuid", "user-created", "user-updated", "date-created", "date-updated"]);
const WITH_MAX_LENGTH = new Set(["string", "hash"]);

export function FieldDialog({ schema, collection, field, onClose }: { schema: Schema; collection: string; field?: Field; onClose: () => void }) {
  const id = useId();
  const editing = field !== undefined;
  const isAlias = field?.type === "alias";
  const isPrimary = Boolean(field?.schema?.is_primary_key);
  const relational = field ? relationRoleOf(schema, field) !== undefined : false;
  const [name, setName] = useState(field?.field ?? "");
  const [type, setType] = useState(field?.type ?? "string");
  const [required, setRequired] = useState(field?.meta?.required ?? false);
  const [nullable, setNullable] = useState(field?.schema?.is_nullable ?? true);
  const [unique, setUnique] = useState(field?.schema?.is_unique ?? false);
  const [defaultText, setDefaultText] = useState(defaultToText(field?.type ?? "string", field?.schema?.default_value));
  const [defaultJson, setDefaultJson] = useState<{ value: unknown; valid: boolean }>({ value: field?.schema?.default_value ?? null, valid: true });
  const [maxLength, setMaxLength] = useState(field?.schema?.max_length ? String(field.schema.max_length) : "");
  const [note, setNote] = useState(field?.meta?.note ?? "");
  const [hidden, setHidden] = useState(field?.meta?.hidden ?? false);
  const [readonly, setReadonly] = useState(field?.meta?.readonly ?? false);
  const [preset, setPreset] = useState(() => field?.meta?.special?.find((special) => PRESET_VALUES.has(special)) ?? "");
  const [touched, setTouched] = useState(false);
  const action = useAction();

  const presets = PRESETS[type] ?? [];
  const serverFilled = SERVER_FILLED.has(preset);
  const showsDefault = !isAlias && !isPrimary && !serverFilled && type !== "hash";
  const parsedDefault = !showsDefault ? { value: null } : type === "json" ? (defaultJson.valid ? { value: defaultJson.value } : { problem: "Fix the JSON first." }) : textToDefault(type, defaultText);
  const problems: Record<"name" | "default" | "max", string | undefined> = {
    name: editing ? undefined : nameProblem(name, "field"),
    default: "problem" in parsedDefault ? parsedDefault.problem : undefined,
    max: WITH_MAX_LENGTH.has(type) && maxLength !== "" && !(Number.isSafeInteger(Number(maxLength)) && Number(maxLength) > 0) ? "Enter a positive whole number." : undefined,
  };

  const changeType = (next: string) => {
    setType(next);
    // A default typed for the old type rarely fits the new one; presets are per type.
    setDefaultText("");
    setDefaultJson({ value: null, valid: true });
    setPreset(next === "hash" ? "hash" : "");
  };

  const body = () => {
    // Keep the specials this dialog doesn't manage (m2o, o2m, m2m, …) and set the chosen preset.
    const kept = (field?.meta?.special ?? []).filter((special) => !PRESET_VALUES.has(special));
    const meta = { required, note: note.trim() || null, hidden, readonly, special: preset ? [...kept, preset] : kept };
    if (isAlias) return { meta };
    if (isPrimary) return { meta };
    const columnSchema: Record<string, unknown> = { is_nullable: nullable, is_unique: unique, default_value: "value" in parsedDefault ? parsedDefault.value : null };
    if (WITH_MAX_LENGTH.has(type) && maxLength !== "") columnSchema.max_length = Number(maxLength);
    return editing ? { type, meta, schema: columnSchema } : { field: name, type, meta, schema: columnSchema };
  };

  const submit = async () => {
    setTouched(true);
    const invalid = (Object.keys(problems) as Array<keyof typeof problems>).find((key) => problems[key]);
    if (invalid) return document.getElementById(`${id}-${invalid}`)?.focus();
    const payload = body();
    const path = `/fields/${encodeURIComponent(collection)}`;
    const save = editing
      ? { run: () => request(`${path}/${encodeURIComponent(field.field)}`, { method: "PATCH", body: payload }) }
      : createField(collection, payload);
    // Who-did-it fields point at directus_users, like the ones the create-collection dialog makes.
    const needsUserRelation = preset.startsWith("user-") && !schema.relations.some((relation) => relation.collection === collection && relation.field === name);
    const ok = await action.run(() => runSteps(needsUserRelation ? [save, createRelation({ collection, field: name, related_collection: "directus_users", schema: { on_delete: "SET NULL" } })] : [save]));
    if (!ok) return;
    await reloadSchema();
    toast("success", editing ? `Field “${name}” saved.` : `Field “${name}” added.`);
    onClose();
  };

  const title = editing ? `Edit field ${field.field}` : `Add field to ${collection}`;
  return (
    <Dialog title={title} onClose={onClose} onSubmit={submit} submitLabel={editing ? "Save field" : "Add field"} busy={action.busy} error={action.error}>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            value={name}
            readOnly={editing}
            autoFocus={!editing}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={touched && problems.name ? true : undefined}
            aria-describedby={`${id}-name-help`}
            onChange={(event) => setName(event.target.value)}
          />
          <small id={`${id}-name-help`} className={touched && problems.name ? "help help-error" : "help"}>
            {touched && problems.name ? problems.name : editing ? "A field can't be renamed." : "Letters, digits and underscores."}
          </small>
        </div>
        <div className="field">
          <label htmlFor={`${id}-type`}>Type</label>
          {isAlias ? (
            <input id={`${id}-type`} value={`alias (${field?.meta?.special?.join(", ") ?? "no column"})`} readOnly aria-describedby={`${id}-type-help`} />
          ) : (
            <select id={`${id}-type`} value={type} disabled={isPrimary || relational} aria-describedby={`${id}-type-help`} onChange={(event) => changeType(event.target.value)}>
              {FIELD_TYPES.map((option) => (
                <option key={option} value={option}>
                  {option}
                </option>
              ))}
            </select>
          )}
          <small id={`${id}-type-help`} className="help">
            {isAlias ? "An alias has no column: it shows related items." : isPrimary ? "The primary key's type is fixed." : relational ? "Follows the related collection's key." : "Changing it converts the column."}
          </small>
        </div>
      </div>

      {!isAlias && !isPrimary && (
        <fieldset className="field">
          <legend>Column</legend>
          <label className="check">
            <input type="checkbox" checked={nullable} onChange={(event) => setNullable(event.target.checked)} />
            Nullable <span className="help">— the column may hold NULL</span>
          </label>
          <label className="check">
            <input type="checkbox" checked={unique} onChange={(event) => setUnique(event.target.checked)} />
            Unique <span className="help">— no two items share a value</span>
          </label>
        </fieldset>
      )}

      {presets.length > 0 && !isPrimary && (
        <div className="field">
          <label htmlFor={`${id}-special`}>Special</label>
          <select id={`${id}-special`} value={preset} onChange={(event) => setPreset(event.target.value)}>
            <option value="">None</option>
            {presets.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label} ({option.value})
              </option>
            ))}
          </select>
        </div>
      )}

      <div className="field-row">
        {showsDefault && (
          <DefaultValueInput
            id={`${id}-default`}
            type={type}
            text={defaultText}
            json={defaultJson.value}
            problem={touched ? problems.default : undefined}
            onText={setDefaultText}
            onJson={(value, valid) => setDefaultJson({ value, valid })}
          />
        )}
        {WITH_MAX_LENGTH.has(type) && !isPrimary && (
          <div className="field">
            <label htmlFor={`${id}-max`}>Max length</label>
            <input
              id={`${id}-max`}
              type="number"
              min={1}
              step={1}
              placeholder="255"
              value={maxLength}
              aria-invalid={touched && problems.max ? true : undefined}
              aria-describedby={`${id}-max-help`}
              onChange={(event) => setMaxLength(event.target.value)}
            />
            <small id={`${id}-max-help`} className={touched && problems.max ? "help help-error" : "help"}>
              {touched && problems.max ? problems.max : "Characters; 255 when empty."}
            </small>
          </div>
        )}
      </div>

      <div className="field">
        <label htmlFor={`${id}-note`}>Note</label>
        <input id={`${id}-note`} value={note} aria-describedby={`${id}-note-help`} onChange={(event) => setNote(event.target.value)} />
        <small id={`${id}-note-help`} className="help">
          Shown next to the field when editing items.
        </small>
      </div>

      <fieldset className="field">
        <legend>In the studio</legend>
        {!isPrimary && (
          <label className="check">
            <input type="checkbox" checked={required} onChange={(event) => setRequired(event.target.checked)} />
            Required <span className="help">— a value must be entered</span>
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={hidden} onChange={(event) => setHidden(event.target.checked)} />
          Hidden <span className="help">— left out of item forms</span>
        </label>
        <label className="check">
          <input type="checkbox" checked={readonly} onChange={(event) => setReadonly(event.target.checked)} />
          Read-only <span className="help">— shown but not editable</span>
        </label>
      </fieldset>
    </Dialog>
  );
}
