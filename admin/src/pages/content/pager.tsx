// "26–50 of 120" with previous / next and page numbers (the first, the last and those around the current one).

interface PagerProps {
  page: number;
  pageSize: number;
  count: number;
  onPage: (page: number) => void;
}

/** Page numbers to show, with null where a run of pages is left out. */
function pageNumbers(page: number, pages: number): Array<number | null> {
  const shown = [...new Set([1, page - 1, page, page + 1, pages])].filter((number) => number >= 1 && number <= pages).sort((a, b) => a - b);
  return shown.flatMap((number, index) => (index > 0 && number - shown[index - 1] > 1 ? [null, number] : [number]));
}

export function Pager({ page, pageSize, count, onPage }: PagerProps) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  const first = count === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(count, page * pageSize);
  return (
    <nav className="pager" aria-label="Pages">
      <span className="muted">
        {first}–{last} of {count}
      </span>
      {pages > 1 && (
        <>
          <button type="button" className="button-secondary button-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
            Previous
          </button>
          <ul className="page-numbers">
            {pageNumbers(page, pages).map((number, index) =>
              number === null ? (
                <li key={`gap-${index}`} aria-hidden="true">
                  …
                </li>
              ) : (
                <li key={number}>
                  <button type="button" className={number === page ? "button-small" : "button-secondary button-small"} aria-current={number === page ? "page" : undefined} aria-label={`Page ${number}`} onClick={() => onPage(number)}>
                    {number}
                  </button>
                </li>
              ),
            )}
          </ul>
          <button type="button" className="button-secondary button-small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
            Next
          </button>
        </>
      )}
    </nav>
  );
}
