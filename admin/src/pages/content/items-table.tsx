// The items table: sortable headers, row selection, per-row edit and delete, live-changed rows flash.
import type { Field, Schema } from "../../api/schema";
import { itemLabel, keyString, relationalOf, type Item } from "./model";
import { formatCell } from "../../components/field-values";

export interface Sort {
  field: string;
  descending: boolean;
}

interface ItemsTableProps {
  schema: Schema;
  collection: string;
  columns: Field[];
  primaryKey: string;
  rows: Item[];
  sort: Sort;
  onSort: (field: string) => void;
  flashing: ReadonlySet<string>;
  selected: ReadonlySet<string>;
  onSelect: (keys: string[], selected: boolean) => void;
  canEdit: boolean;
  canDelete: boolean;
  onOpen: (row: Item) => void;
  onDelete: (row: Item) => void;
  busy: boolean;
}

export function ItemsTable({ schema, collection, columns, primaryKey, rows, sort, onSort, flashing, selected, onSelect, canEdit, canDelete, onOpen, onDelete, busy }: ItemsTableProps) {
  const keys = rows.map((row) => keyString(row[primaryKey]));
  const allSelected = keys.length > 0 && keys.every((key) => selected.has(key));
  const cellText = (field: Field, value: unknown) => {
    const relational = relationalOf(schema, collection, field);
    return relational?.kind === "m2o" && value !== null && typeof value === "object" ? itemLabel(schema, relational.related, value) : formatCell(field.type, value);
  };
  return (
    <div className="table-wrap">
      <table aria-busy={busy}>
        <caption className="visually-hidden">Items of {collection}</caption>
        <thead>
          <tr>
            {canDelete && (
              <th scope="col" className="select-cell">
                <input type="checkbox" aria-label="Select all items on this page" checked={allSelected} onChange={(event) => onSelect(keys, event.target.checked)} />
              </th>
            )}
            {columns.map((field) => {
              const active = sort.field === field.field;
              return (
                <th key={field.field} scope="col" aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}>
                  <button type="button" className="sort-button" onClick={() => onSort(field.field)}>
                    {field.field}
                    <span aria-hidden="true" className="sort-mark">
                      {active ? (sort.descending ? "▼" : "▲") : "↕"}
                    </span>
                  </button>
                </th>
              );
            })}
            <th scope="col" className="actions">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const key = keyString(row[primaryKey]);
            return (
              <tr key={key} className={flashing.has(key) ? "row-flash" : undefined} data-key={key}>
                {canDelete && (
                  <td className="select-cell">
                    <input type="checkbox" aria-label={`Select item ${key}`} checked={selected.has(key)} onChange={(event) => onSelect([key], event.target.checked)} />
                  </td>
                )}
                {columns.map((field) => {
                  const text = cellText(field, row[field.field]);
                  return (
                    <td key={field.field} className="cell" title={text.length > 40 ? text : undefined}>
                      {text === "" ? <span className="muted" aria-label="empty">—</span> : text}
                    </td>
                  );
                })}
                <td className="actions">
                  <button type="button" className="button-link" aria-label={`${canEdit ? "Edit" : "View"} item ${key}`} onClick={() => onOpen(row)}>
                    {canEdit ? "Edit" : "View"}
                  </button>
                  {canDelete && (
                    <button type="button" className="button-link danger-link" aria-label={`Delete item ${key}`} onClick={() => onDelete(row)}>
                      Delete
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
