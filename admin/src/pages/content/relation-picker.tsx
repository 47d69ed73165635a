// Pickers for related items: a searchable select for many-to-one, a searchable checkbox list for
// one-to-many and many-to-many. Options come from GET /items/<related>?search=…, named by the first string field.
import { useEffect, useId, useState } from "react";
import { data } from "../../api/client";
import { primaryKeyOf, type Schema } from "../../api/schema";
import { useAsync } from "../../api/use-async";
import { ErrorNotice } from "../../components/status";
import { itemLabel, keyString, labelFieldOf, type Item } from "./model";
import { useDebounced } from "./use-debounced";

const OPTION_LIMIT = 50;

interface Option {
  key: string;
  label: string;
}

/** Search results, plus the labels of the selected items (which a search may not return). */
function useRelatedOptions(schema: Schema, related: string, search: string, selected: string[]) {
  const primaryKey = primaryKeyOf(schema, related);
  // "*" rather than the key and label: a field the caller may not read would fail the whole request.
  const fields = ["*"];
  const term = useDebounced(search, 250);
  const found = useAsync(() => data<Item[]>(`/items/${encodeURIComponent(related)}`, { query: { fields, search: term, limit: OPTION_LIMIT, sort: [labelFieldOf(schema, related)] } }), [related, term]);
  const [labels, setLabels] = useState<ReadonlyMap<string, string>>(new Map());
  const toOptions = (rows: Item[]) => rows.map((row) => ({ key: keyString(row[primaryKey]), label: itemLabel(schema, related, row) }));
  useEffect(() => {
    // Remember the label of every item seen, so that chosen items keep their names after a new search.
    if (found.data) setLabels((current) => new Map([...current, ...toOptions(found.data!).map((option) => [option.key, option.label] as const)]));
  }, [found.data]);
  const unknown = selected.filter((key) => !labels.has(key));
  const unknownKey = unknown.join(",");
  useEffect(() => {
    if (!unknownKey) return;
    let current = true;
    data<Item[]>(`/items/${encodeURIComponent(related)}`, { query: { fields, filter: { [primaryKey]: { _in: unknownKey.split(",") } }, limit: unknownKey.split(",").length } }).then(
      // Keys the caller can't read still get a line, named by the key.
      (rows) => current && setLabels((known) => new Map([...known, ...unknownKey.split(",").map((key) => [key, key] as const), ...toOptions(rows).map((option) => [option.key, option.label] as const)])),
      () => current && setLabels((known) => new Map([...known, ...unknownKey.split(",").map((key) => [key, key] as const)])),
    );
    return () => {
      current = false;
    };
    // Keyed by the joined keys, not the array, so a new render with the same keys doesn't refetch.
  }, [related, unknownKey]);
  // One list in label order: ticking an option must not move it under the pointer.
  const chosen: Option[] = selected.map((key) => ({ key, label: labels.get(key) ?? key }));
  const options = [...chosen, ...toOptions(found.data ?? []).filter((option) => !selected.includes(option.key))].sort((a, b) => a.label.localeCompare(b.label, undefined, { numeric: true }));
  return { options, loading: found.loading, error: found.error, retry: found.reload };
}

interface ManyToOneProps {
  id: string;
  schema: Schema;
  related: string;
  value: string;
  onChange: (value: string) => void;
  required?: boolean;
  describedBy?: string;
}

export function ManyToOnePicker({ id, schema, related, value, onChange, required, describedBy }: ManyToOneProps) {
  const [search, setSearch] = useState("");
  const options = useRelatedOptions(schema, related, search, value ? [value] : []);
  return (
    <div className="picker">
      <input type="search" className="picker-search" aria-label={`Search ${related}`} placeholder={`Search ${related}…`} value={search} onChange={(event) => setSearch(event.target.value)} />
      <select id={id} value={value} required={required} aria-describedby={describedBy} aria-busy={options.loading} onChange={(event) => onChange(event.target.value)}>
        <option value="">— none —</option>
        {options.options.map((option) => (
          <option key={option.key} value={option.key}>
            {option.label}
          </option>
        ))}
      </select>
      {options.error !== undefined && <ErrorNotice error={options.error} onRetry={options.retry} />}
    </div>
  );
}

interface ManyProps {
  schema: Schema;
  label: string;
  related: string;
  value: string[];
  onChange: (value: string[]) => void;
}

export function ManyPicker({ schema, label, related, value, onChange }: ManyProps) {
  const [search, setSearch] = useState("");
  const id = useId();
  const options = useRelatedOptions(schema, related, search, value);
  const all = options.options;
  const toggle = (key: string, on: boolean) => onChange(on ? [...value, key] : value.filter((other) => other !== key));
  return (
    <fieldset className="picker-many">
      <legend>{label}</legend>
      <input type="search" className="picker-search" aria-label={`Search ${related}`} placeholder={`Search ${related}…`} value={search} onChange={(event) => setSearch(event.target.value)} />
      {options.error !== undefined ? (
        <ErrorNotice error={options.error} onRetry={options.retry} />
      ) : all.length === 0 ? (
        <p className="help">{options.loading ? "Loading…" : search ? "No items match." : `No items in ${related} yet.`}</p>
      ) : (
        <ul className="picker-list" aria-describedby={`${id}-count`}>
          {all.map((option) => (
            <li key={option.key}>
              <label className="check">
                <input type="checkbox" checked={value.includes(option.key)} onChange={(event) => toggle(option.key, event.target.checked)} />
                {option.label}
              </label>
            </li>
          ))}
        </ul>
      )}
      <small id={`${id}-count`} className="help">
        {value.length} selected
      </small>
    </fieldset>
  );
}
