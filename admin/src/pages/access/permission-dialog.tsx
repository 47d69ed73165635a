// One cell of the permissions grid: whether a policy may create / read / update / delete in a collection,
// and for "Custom" which items (row filter), which fields, with which presets and validation.
import { useState } from "react";
import { data } from "../../api/client";
import { useAction } from "../../api/use-async";
import { Dialog } from "../../components/dialog";
import { JsonInput } from "../../components/json-input";
import { isEmptyFilter, type Filter } from "./filter";
import { FilterEditor } from "./filter-editor";

export const ACTIONS = ["create", "read", "update", "delete"] as const;
export type Action = (typeof ACTIONS)[number];

export interface Permission {
  id: number;
  collection: string;
  action: Action;
  permissions: Filter | null;
  validation: Filter | null;
  presets: Record<string, unknown> | null;
  fields: string[] | null;
  policy: string | null;
}

export type Level = "none" | "all" | "custom";
export const LEVEL_LABELS: Record<Level, string> = { none: "None", all: "All", custom: "Custom" };

const allFields = (fields: string[] | null) => fields === null || fields.includes("*");

/** None without a rule; All for one rule without filter, field list, presets or validation; Custom otherwise. */
export function levelOf(rules: Permission[]): Level {
  if (rules.length === 0) return "none";
  const [rule] = rules;
  const unrestricted = rules.length === 1 && isEmptyFilter(rule.permissions) && isEmptyFilter(rule.validation) && isEmptyFilter(rule.presets) && (rule.action === "delete" || allFields(rule.fields));
  return unrestricted ? "all" : "custom";
}

export const actionLabel = (action: Action) => action[0].toUpperCase() + action.slice(1);

const FILTER_HELP: Record<Action, string> = {
  create: "Not used when creating: use validation below to restrict what may be created.",
  read: "Only items matching this filter can be read.",
  update: "Only items matching this filter can be updated.",
  delete: "Only items matching this filter can be deleted.",
};

export interface PermissionDialogProps {
  policy: string;
  collection: string;
  action: Action;
  /** This policy's rules for the collection and action (normally one or none). */
  rules: Permission[];
  fields: Array<{ field: string; type: string }>;
  onClose: () => void;
  onSaved: (level: Level) => void;
}

export function PermissionDialog({ policy, collection, action, rules, fields, onClose, onSaved }: PermissionDialogProps) {
  const rule = rules[0];
  const [level, setLevel] = useState<Level>(() => levelOf(rules));
  const [filter, setFilter] = useState<{ value: Filter; valid: boolean }>({ value: rule?.permissions ?? {}, valid: true });
  const [chosenFields, setChosenFields] = useState<string[]>(() => (allFields(rule?.fields ?? null) ? ["*"] : rule!.fields!));
  const [presets, setPresets] = useState<{ value: unknown; valid: boolean }>({ value: rule?.presets ?? null, valid: true });
  const [validation, setValidation] = useState<{ value: unknown; valid: boolean }>({ value: rule?.validation ?? null, valid: true });
  const [problem, setProblem] = useState<string>();
  const save = useAction();
  const writes = action === "create" || action === "update";
  const everyField = chosenFields.includes("*");

  const toggleField = (name: string, on: boolean) => setChosenFields((current) => (on ? [...current.filter((field) => field !== "*"), name] : current.filter((field) => field !== name)));

  /** The rule's body, or a message saying what to fix first. */
  const body = (): Record<string, unknown> | string => {
    if (level === "all") return { permissions: {}, validation: null, presets: null, fields: ["*"] };
    if (!filter.valid) return "Fix the row filter first: it must be a JSON object.";
    if (writes && !presets.valid) return "Fix the presets first: they must be valid JSON.";
    if (writes && !validation.valid) return "Fix the validation first: it must be valid JSON.";
    if (action !== "delete" && chosenFields.length === 0) return "Choose at least one field, or All fields.";
    return {
      permissions: filter.value,
      validation: writes ? validation.value : null,
      presets: writes ? presets.value : null,
      fields: action === "delete" || everyField ? ["*"] : chosenFields,
    };
  };

  const submit = async () => {
    const payload = level === "none" ? undefined : body();
    if (typeof payload === "string") return setProblem(payload);
    setProblem(undefined);
    const ok = await save.run(async () => {
      if (!payload) {
        for (const existing of rules) await data(`/permissions/${existing.id}`, { method: "DELETE" });
      } else if (rule) {
        await data(`/permissions/${rule.id}`, { method: "PATCH", body: payload });
      } else {
        await data("/permissions", { method: "POST", body: { policy, collection, action, ...payload } });
      }
    });
    if (ok) onSaved(level);
  };

  return (
    <Dialog title={`${actionLabel(action)} permission: ${collection}`} onClose={onClose} onSubmit={submit} busy={save.busy} error={problem ?? save.error} wide>
      {rules.length > 1 && (
        <p className="notice notice-info">
          This policy has {rules.length} rules for this action. Saving changes the first one; choosing None deletes all of them.
        </p>
      )}
      <fieldset className="field level-choice">
        <legend>Access</legend>
        {(["none", "all", "custom"] as const).map((option) => (
          <label key={option} className="check">
            <input type="radio" name="permission-level" value={option} checked={level === option} onChange={() => setLevel(option)} />
            <span>
              <strong>{LEVEL_LABELS[option]}</strong> <span className="muted">{option === "none" ? "— not allowed" : option === "all" ? "— every item and every field" : "— choose items and fields"}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {level === "custom" && (
        <>
          <FilterEditor label="Row filter" hint={FILTER_HELP[action]} value={filter.value} fields={fields} onChange={(value, valid) => setFilter({ value, valid })} />
          {action !== "delete" && (
            <fieldset className="field field-choice">
              <legend>Fields</legend>
              <label className="check">
                <input type="checkbox" checked={everyField} onChange={(event) => setChosenFields(event.target.checked ? ["*"] : [])} />
                All fields
              </label>
              {!everyField && (
                <div className="field-checks">
                  {fields.map((field) => (
                    <label key={field.field} className="check">
                      <input type="checkbox" checked={chosenFields.includes(field.field)} onChange={(event) => toggleField(field.field, event.target.checked)} />
                      <code>{field.field}</code>
                    </label>
                  ))}
                </div>
              )}
            </fieldset>
          )}
          {writes && (
            <div className="field-row json-pair">
              <JsonInput label="Presets" value={presets.value} rows={4} onChange={(value, valid) => setPresets({ value, valid })} hint={`Default values for ${action === "create" ? "new" : "updated"} items, e.g. { "status": "draft" }.`} />
              <JsonInput label="Validation" value={validation.value} rows={4} onChange={(value, valid) => setValidation({ value, valid })} hint={'A filter the saved values must match, e.g. { "title": { "_nempty": true } }.'} />
            </div>
          )}
        </>
      )}
    </Dialog>
  );
}
