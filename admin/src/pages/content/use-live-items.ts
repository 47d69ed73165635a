// Live updates for the open collection: patch rows in place at once, then refetch the page so that
// paging, sorting, filters and the count stay exact; changed rows flash and changes are announced.
import { useCallback, useEffect, useRef, useState } from "react";
import { realtime, type Frame } from "../../api/realtime";
import { keyString, type Item } from "./model";

/** Events often come in bursts (a batch write, several users): one refetch per burst. */
const REFETCH_DELAY_MS = 150;
/** As long as the row-flash animation in styles.css. */
const FLASH_MS = 2400;

interface Options {
  collection: string;
  fields: string[];
  primaryKey: string;
  patchRows: (change: (rows: Item[]) => Item[]) => void;
  refetch: () => void;
}

const plural = (count: number, verb: string) => `${count} ${count === 1 ? "item" : "items"} ${verb}`;

export function useLiveItems({ collection, fields, primaryKey, patchRows, refetch }: Options) {
  const [error, setError] = useState<string>();
  const [announcement, setAnnouncement] = useState("");
  const [flashing, setFlashing] = useState<ReadonlySet<string>>(new Set());
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  const refetchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  // The subscription lives as long as the collection is open; the handler always sees the latest callbacks.
  const latest = useRef({ primaryKey, patchRows, refetch });
  latest.current = { primaryKey, patchRows, refetch };

  const later = useCallback((action: () => void, delay: number) => {
    const timer = setTimeout(() => {
      timers.current.delete(timer);
      action();
    }, delay);
    timers.current.add(timer);
  }, []);

  const flash = useCallback(
    (keys: string[]) => {
      // Take the keys out first so that a row changed again restarts its animation.
      setFlashing((current) => new Set([...current].filter((key) => !keys.includes(key))));
      later(() => setFlashing((current) => new Set([...current, ...keys])), 30);
      later(() => setFlashing((current) => new Set([...current].filter((key) => !keys.includes(key)))), FLASH_MS);
    },
    [later],
  );

  const fieldsKey = fields.join(",");
  useEffect(() => {
    let initialised = false;
    const scheduleRefetch = () => {
      clearTimeout(refetchTimer.current);
      refetchTimer.current = setTimeout(() => latest.current.refetch(), REFETCH_DELAY_MS);
    };
    const handle = (frame: Frame) => {
      const { primaryKey: key, patchRows: patch } = latest.current;
      if (frame.status === "error" || frame.type === "error" || frame.event === "error") {
        const detail = frame.error as { message?: string } | undefined;
        setError(detail?.message ?? "The live subscription failed.");
        return;
      }
      if (frame.type !== "subscription") return;
      if (frame.event === "init") {
        setError(undefined);
        // A second init follows a reconnect: changes may have been missed meanwhile.
        if (initialised) scheduleRefetch();
        initialised = true;
        return;
      }
      const data = Array.isArray(frame.data) ? frame.data : [];
      if (frame.event === "delete") {
        const keys = data.map(keyString);
        patch((rows) => rows.filter((row) => !keys.includes(keyString(row[key]))));
        setAnnouncement(plural(keys.length, "deleted"));
      } else if (frame.event === "update" || frame.event === "create") {
        const changed = new Map((data as Item[]).map((row) => [keyString(row[key]), row]));
        if (frame.event === "update") patch((rows) => rows.map((row) => (changed.has(keyString(row[key])) ? { ...row, ...changed.get(keyString(row[key])) } : row)));
        flash([...changed.keys()]);
        setAnnouncement(plural(changed.size, frame.event === "create" ? "created" : "updated"));
      } else {
        return;
      }
      scheduleRefetch();
    };
    const subscription = realtime.subscribe({ collection, query: { fields: fieldsKey.split(",") } }, handle);
    const pending = timers.current;
    return () => {
      subscription.unsubscribe();
      clearTimeout(refetchTimer.current);
      pending.forEach(clearTimeout);
      pending.clear();
    };
  }, [collection, fieldsKey, flash]);

  return { error, announcement, flashing };
}
