// One collection's items: search, filters, sorting and paging over REST, kept current by a live subscription.
import { useEffect, useMemo, useState } from "react";
import { request } from "../../api/client";
import { useConnectionStatus } from "../../api/realtime";
import { primaryKeyOf, type Schema } from "../../api/schema";
import { ConfirmDialog } from "../../components/dialog";
import { Empty, ErrorNotice, Loading } from "../../components/status";
import { buildFilter, type FilterRow } from "./filter";
import { FilterBuilder, newFilterRow } from "./filter-builder";
import { ItemDialog } from "./item-dialog";
import { ItemsTable, type Sort } from "./items-table";
import { can, columnsOf, keyString, PAGE_SIZE, queryFieldsOf, type Item, type Key, type Permissions } from "./model";
import { Pager } from "./pager";
import { useDebounced } from "./use-debounced";
import { useItemsPage } from "./use-items-page";
import { useLiveItems } from "./use-live-items";

const TYPING_DELAY_MS = 300;

interface CollectionViewProps {
  schema: Schema;
  collection: string;
  permissions: Permissions | undefined;
}

type Editing = { mode: "create" } | { mode: "edit" | "view"; key: Key };

export function CollectionView({ schema, collection, permissions }: CollectionViewProps) {
  const primaryKey = primaryKeyOf(schema, collection);
  const columns = useMemo(() => columnsOf(schema, collection, permissions), [schema, collection, permissions]);
  const fields = useMemo(() => queryFieldsOf(schema, collection, columns), [schema, collection, columns]);
  const [page, setPage] = useState(1);
  const [sort, setSort] = useState<Sort>({ field: primaryKey, descending: false });
  const [search, setSearch] = useState("");
  const [filterRows, setFilterRows] = useState<FilterRow[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [editing, setEditing] = useState<Editing>();
  const [deleting, setDeleting] = useState<string[]>();

  const filter = buildFilter(filterRows, (name) => columns.find((field) => field.field === name)?.type ?? "string");
  const settledSearch = useDebounced(search.trim(), TYPING_DELAY_MS);
  const settledFilter = useDebounced(filter ? JSON.stringify(filter) : "", TYPING_DELAY_MS);
  const query = { fields, limit: PAGE_SIZE, page, sort: [`${sort.descending ? "-" : ""}${sort.field}`], search: settledSearch, filter: settledFilter ? JSON.parse(settledFilter) : undefined, meta: "filter_count" };
  const items = useItemsPage(collection, query);
  const live = useLiveItems({ collection, fields, primaryKey, patchRows: items.patchRows, refetch: items.reload });
  const status = useConnectionStatus();

  const count = items.page?.count ?? 0;
  const pages = Math.max(1, Math.ceil(count / PAGE_SIZE));
  // Deletes (here or elsewhere) can leave the current page past the end.
  useEffect(() => {
    if (items.page && page > pages) setPage(pages);
  }, [items.page, page, pages]);
  // Selection follows the rows that are still on screen.
  useEffect(() => {
    const onScreen = new Set((items.page?.rows ?? []).map((row) => keyString(row[primaryKey])));
    setSelected((current) => ([...current].every((key) => onScreen.has(key)) ? current : new Set([...current].filter((key) => onScreen.has(key)))));
  }, [items.page, primaryKey]);

  const canCreate = can(permissions, collection, "create");
  const canEdit = can(permissions, collection, "update");
  const canDelete = can(permissions, collection, "delete");
  const narrowed = settledSearch !== "" || settledFilter !== "";

  const changeSort = (field: string) => {
    setSort((current) => ({ field, descending: current.field === field ? !current.descending : false }));
    setPage(1);
  };
  const changeSearch = (value: string) => {
    setSearch(value);
    setPage(1);
  };
  const changeFilters = (rows: FilterRow[]) => {
    setFilterRows(rows);
    setPage(1);
  };
  const select = (keys: string[], on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      keys.forEach((key) => (on ? next.add(key) : next.delete(key)));
      return next;
    });
  const rowKey = (row: Item) => row[primaryKey] as Key;
  const note = schema.collections.find((item) => item.collection === collection)?.meta?.note;

  return (
    <section aria-labelledby="collection-title">
      <header className="page-header">
        <h1 id="collection-title">{collection}</h1>
        <span className="live" data-status={status} title={`Live updates: ${status}`}>
          Live
        </span>
        <span className="live-announcement muted" role="status" aria-live="polite">
          {live.announcement}
        </span>
        <div className="actions">
          {canCreate && (
            <button type="button" onClick={() => setEditing({ mode: "create" })}>
              Create item
            </button>
          )}
        </div>
      </header>
      {note && <p className="muted collection-note">{note}</p>}
      {live.error && (
        <p className="notice notice-error" role="alert">
          Live updates stopped: {live.error}
        </p>
      )}

      <div className="toolbar content-toolbar">
        <div className="field">
          <label htmlFor="content-search">Search</label>
          <input id="content-search" type="search" value={search} placeholder={`Search ${collection}…`} onChange={(event) => changeSearch(event.target.value)} />
        </div>
        <button type="button" className="button-secondary" disabled={columns.length === 0} onClick={() => changeFilters([...filterRows, newFilterRow(columns[0])])}>
          Add filter
        </button>
        {filterRows.length > 0 && (
          <button type="button" className="button-link" onClick={() => changeFilters([])}>
            Clear filters
          </button>
        )}
        {canDelete && selected.size > 0 && (
          <button type="button" className="button-danger" onClick={() => setDeleting([...selected])}>
            Delete selected ({selected.size})
          </button>
        )}
      </div>
      <FilterBuilder fields={columns} rows={filterRows} onChange={changeFilters} filter={filter} />

      {items.error !== undefined && <ErrorNotice error={items.error} onRetry={items.reload} />}
      {!items.page ? (
        items.error === undefined && <Loading label={`Loading ${collection}…`} />
      ) : items.page.rows.length === 0 ? (
        narrowed ? (
          <Empty title="No items match">
            <p>Nothing in {collection} matches the search and filters.</p>
          </Empty>
        ) : (
          <Empty title="No items yet">
            <p>{canCreate ? "Create the first one, or add items through the API: they appear here live." : "Items appear here live as they are added."}</p>
          </Empty>
        )
      ) : (
        <>
          <ItemsTable
            schema={schema}
            collection={collection}
            columns={columns}
            primaryKey={primaryKey}
            rows={items.page.rows}
            sort={sort}
            onSort={changeSort}
            flashing={live.flashing}
            selected={selected}
            onSelect={select}
            canEdit={canEdit}
            canDelete={canDelete}
            onOpen={(row) => setEditing({ mode: canEdit ? "edit" : "view", key: rowKey(row) })}
            onDelete={(row) => setDeleting([keyString(rowKey(row))])}
            busy={items.loading}
          />
          <Pager page={page} pageSize={PAGE_SIZE} count={count} onPage={setPage} />
        </>
      )}

      {editing && <ItemDialog schema={schema} collection={collection} permissions={permissions} mode={editing.mode} itemKey={editing.mode === "create" ? undefined : editing.key} onClose={() => setEditing(undefined)} onSaved={items.reload} />}
      {deleting && (
        <DeleteItems
          collection={collection}
          keys={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            setSelected(new Set());
            items.reload();
          }}
        />
      )}
    </section>
  );
}

function DeleteItems({ collection, keys, onClose, onDeleted }: { collection: string; keys: string[]; onClose: () => void; onDeleted: () => void }) {
  const path = `/items/${encodeURIComponent(collection)}`;
  const one = keys.length === 1;
  return (
    <ConfirmDialog
      title={one ? `Delete item ${keys[0]}?` : `Delete ${keys.length} items?`}
      message={one ? `Item ${keys[0]} will be removed from ${collection}. This can't be undone.` : `${keys.length} items will be removed from ${collection}. This can't be undone.`}
      run={() => (one ? request(`${path}/${encodeURIComponent(keys[0])}`, { method: "DELETE" }) : request(path, { method: "DELETE", body: keys }))}
      success={one ? `Item ${keys[0]} deleted.` : `${keys.length} items deleted.`}
      onDone={onDeleted}
      onClose={onClose}
    />
  );
}
