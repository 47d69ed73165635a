// A row filter as builder rows and as JSON, kept in sync: builder edits rewrite the JSON; JSON edits
// refill the builder when it can show them, and otherwise the JSON alone decides.
import { useId, useState } from "react";
import { JsonInput } from "../../components/json-input";
import { conditionsOf, DYNAMIC_VALUES, filterOf, OPERATORS, UNARY, type Condition, type Filter } from "./filter";

export interface FilterEditorProps {
  label: string;
  /** What the filter decides, shown under the legend. */
  hint: string;
  value: Filter;
  /** The collection's fields: suggestions for the field box, and the types that numbers / booleans are read by. */
  fields: Array<{ field: string; type: string }>;
  onChange: (filter: Filter, valid: boolean) => void;
}

export function FilterEditor({ label, hint, value, fields, onChange }: FilterEditorProps) {
  const id = useId();
  const [conditions, setConditions] = useState<Condition[] | null>(() => conditionsOf(value));
  // Bumped on builder edits so the JSON box shows the new filter (it keeps its own text while typed in).
  const [jsonRevision, setJsonRevision] = useState(0);
  const [json, setJson] = useState<Filter>(value);
  const [notObject, setNotObject] = useState(false);
  const typeOf = (name: string) => fields.find((field) => field.field === name)?.type;
  // The server stores a rule on a missing field, but such a rule then matches no item: say so while typing.
  const unknownField = (condition: Condition) => condition.field.trim() !== "" && typeOf(condition.field.trim().split(".")[0]) === undefined;

  const editConditions = (next: Condition[]) => {
    const filter = filterOf(next, typeOf);
    setConditions(next);
    setNotObject(false);
    setJson(filter);
    setJsonRevision((revision) => revision + 1);
    onChange(filter, true);
  };
  const update = (index: number, patch: Partial<Condition>) => editConditions(conditions!.map((condition, at) => (at === index ? { ...condition, ...patch } : condition)));
  const editJson = (parsed: unknown, valid: boolean) => {
    if (!valid) return onChange(json, false);
    const isObject = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed);
    setNotObject(!isObject);
    if (!isObject) return onChange(json, false);
    const filter = parsed as Filter;
    setConditions(conditionsOf(filter));
    setJson(filter);
    onChange(filter, true);
  };

  return (
    <fieldset className="field filter-editor">
      <legend>{label}</legend>
      <p className="help filter-hint">{hint}</p>
      {conditions === null ? (
        <p className="notice notice-info">This filter has a shape the builder can't show (for example _or, nested groups or _between): edit it as JSON below.</p>
      ) : (
        <>
          {conditions.length === 0 && <p className="help">No conditions: every item matches.</p>}
          {conditions.map((condition, index) => (
            <fieldset key={index} className="filter-condition">
              <legend>{index === 0 ? `Condition ${index + 1}` : `and condition ${index + 1}`}</legend>
              <div className="field">
                <label htmlFor={`${id}-field-${index}`}>Field</label>
                <input
                  id={`${id}-field-${index}`}
                  list={`${id}-fields`}
                  value={condition.field}
                  spellCheck={false}
                  aria-invalid={unknownField(condition) ? true : undefined}
                  aria-describedby={unknownField(condition) ? `${id}-field-${index}-problem` : undefined}
                  onChange={(event) => update(index, { field: event.target.value })}
                />
                {unknownField(condition) && (
                  <small id={`${id}-field-${index}-problem`} className="help help-error">
                    No field “{condition.field.split(".")[0]}” in this collection: the server will refuse this rule.
                  </small>
                )}
              </div>
              <div className="field">
                <label htmlFor={`${id}-operator-${index}`}>Operator</label>
                <select id={`${id}-operator-${index}`} value={condition.operator} onChange={(event) => update(index, { operator: event.target.value })}>
                  {OPERATORS.map((operator) => (
                    <option key={operator.value} value={operator.value}>
                      {operator.label} ({operator.value})
                    </option>
                  ))}
                </select>
              </div>
              {!UNARY.has(condition.operator) && (
                <div className="field">
                  <label htmlFor={`${id}-value-${index}`}>Value</label>
                  <input id={`${id}-value-${index}`} list={`${id}-dynamic`} value={condition.value} spellCheck={false} onChange={(event) => update(index, { value: event.target.value })} />
                </div>
              )}
              <button type="button" className="button-secondary button-small condition-remove" aria-label={`Remove condition ${index + 1}`} onClick={() => editConditions(conditions.filter((_, at) => at !== index))}>
                Remove
              </button>
            </fieldset>
          ))}
          <button type="button" className="button-secondary button-small" onClick={() => editConditions([...conditions, { field: "", operator: "_eq", value: "" }])}>
            Add condition
          </button>
          <p className="help">
            Values may be dynamic: {DYNAMIC_VALUES.join(", ")}. For "is one of", separate values with commas. Conditions combine with _and.
          </p>
        </>
      )}
      <datalist id={`${id}-fields`}>
        {fields.map((field) => (
          <option key={field.field} value={field.field} />
        ))}
      </datalist>
      <datalist id={`${id}-dynamic`}>
        {DYNAMIC_VALUES.map((variable) => (
          <option key={variable} value={variable} />
        ))}
      </datalist>
      {notObject && (
        <p className="help help-error" role="alert">
          A filter is a JSON object, like {'{ "status": { "_eq": "published" } }'}.
        </p>
      )}
      <JsonInput key={jsonRevision} label={`${label} (JSON)`} value={json} emptyValue={{}} rows={5} onChange={editJson} hint="A Directus filter. Empty: every item." />
    </fieldset>
  );
}
