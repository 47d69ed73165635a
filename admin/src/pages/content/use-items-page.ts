// One page of a collection's items with its filtered count; live events patch the rows between reloads.
import { useCallback, useEffect, useRef, useState } from "react";
import { request } from "../../api/client";
import type { Item } from "./model";

export interface ItemsPage {
  rows: Item[];
  /** Items matching the search and filter (meta.filter_count). */
  count: number;
}

export function useItemsPage(collection: string, query: Record<string, unknown>) {
  const [state, setState] = useState<{ page?: ItemsPage; error?: unknown; loading: boolean }>({ loading: true });
  const latest = useRef(0);
  const queryKey = JSON.stringify(query);
  const reload = useCallback(() => {
    const run = ++latest.current;
    setState((previous) => ({ page: previous.page, loading: true }));
    request<{ data: Item[]; meta?: { filter_count?: number } }>(`/items/${encodeURIComponent(collection)}`, { query: JSON.parse(queryKey) }).then(
      (body) => run === latest.current && setState({ page: { rows: body.data, count: body.meta?.filter_count ?? body.data.length }, loading: false }),
      // Keep the last rows on screen: the error shows above them with a retry.
      (error) => run === latest.current && setState((previous) => ({ page: previous.page, error, loading: false })),
    );
  }, [collection, queryKey]);
  useEffect(reload, [reload]);
  const patchRows = useCallback((change: (rows: Item[]) => Item[]) => setState((previous) => (previous.page ? { ...previous, page: { ...previous.page, rows: change(previous.page.rows) } } : previous)), []);
  return { ...state, reload, patchRows };
}
