// Rows of field / operator / value that narrow the table; the resulting filter is shown as JSON.
import type { Field } from "../../api/schema";
import { needsValue, OPERATOR_LABELS, operatorsFor, type FilterRow } from "./filter";
import { inputAttrsOf } from "../../components/field-values";

interface FilterBuilderProps {
  fields: Field[];
  rows: FilterRow[];
  onChange: (rows: FilterRow[]) => void;
  filter: Record<string, unknown> | undefined;
}

let nextRowId = 1;

export function newFilterRow(field: Field): FilterRow {
  return { id: nextRowId++, field: field.field, operator: operatorsFor(field.type)[0], value: "" };
}

export function FilterBuilder({ fields, rows, onChange, filter }: FilterBuilderProps) {
  const typeOf = (name: string) => fields.find((field) => field.field === name)?.type ?? "string";
  const update = (id: number, change: Partial<FilterRow>) => onChange(rows.map((row) => (row.id === id ? { ...row, ...change } : row)));
  const changeField = (row: FilterRow, field: string) => {
    const operators = operatorsFor(typeOf(field));
    // Keep the operator and value when they still fit the new field's type.
    update(row.id, operators.includes(row.operator) ? { field } : { field, operator: operators[0], value: "" });
  };
  if (rows.length === 0) return null;
  return (
    <section className="card filter-builder" aria-label="Filters">
      {rows.map((row, index) => {
        const type = typeOf(row.field);
        return (
          <fieldset key={row.id} className="filter-row">
            <legend className="visually-hidden">Filter {index + 1}</legend>
            <span className="filter-joiner" aria-hidden="true">
              {index === 0 ? "Where" : "and"}
            </span>
            <div className="field">
              <label htmlFor={`filter-field-${row.id}`}>Field</label>
              <select id={`filter-field-${row.id}`} value={row.field} onChange={(event) => changeField(row, event.target.value)}>
                {fields.map((field) => (
                  <option key={field.field} value={field.field}>
                    {field.field}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`filter-operator-${row.id}`}>Operator</label>
              <select id={`filter-operator-${row.id}`} value={row.operator} onChange={(event) => update(row.id, { operator: event.target.value })}>
                {operatorsFor(type).map((operator) => (
                  <option key={operator} value={operator}>
                    {OPERATOR_LABELS[operator]}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={`filter-value-${row.id}`}>Value</label>
              <FilterValue id={`filter-value-${row.id}`} type={type} row={row} onChange={(value) => update(row.id, { value })} />
            </div>
            <button type="button" className="button-secondary button-small filter-remove" aria-label={`Remove filter ${index + 1}`} onClick={() => onChange(rows.filter((other) => other.id !== row.id))}>
              Remove
            </button>
          </fieldset>
        );
      })}
      <p id="filter-json-title" className="help filter-json-title">
        Filter as JSON
      </p>
      <pre className="code-block filter-json" aria-labelledby="filter-json-title">
        {filter ? JSON.stringify(filter) : "(the filter applies once a value is given)"}
      </pre>
    </section>
  );
}

function FilterValue({ id, type, row, onChange }: { id: string; type: string; row: FilterRow; onChange: (value: string) => void }) {
  if (!needsValue(row.operator)) return <input id={id} value="" disabled placeholder="no value needed" />;
  if (type === "boolean") {
    return (
      <select id={id} value={row.value} onChange={(event) => onChange(event.target.value)}>
        <option value="">choose…</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  // A list is typed as text, comma-separated, whatever the field's type.
  const attrs = row.operator === "_in" ? { type: "text" } : inputAttrsOf(type);
  return <input id={id} {...attrs} value={row.value} placeholder={row.operator === "_in" ? "a, b, c" : undefined} onChange={(event) => onChange(event.target.value)} />;
}
