// A tiny history router for paths under /admin: the studio has a handful of pages, no nested layouts.
import { useSyncExternalStore } from "react";

export const BASE = "/admin";

const listeners = new Set<() => void>();
window.addEventListener("popstate", () => listeners.forEach((listener) => listener()));

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** The current path below /admin, e.g. "/content/messages". */
const currentPath = () => {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  return path === "" ? "/" : path;
};

export function navigate(path: string, options: { replace?: boolean } = {}) {
  const url = BASE + path;
  if (options.replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  listeners.forEach((listener) => listener());
  window.scrollTo(0, 0);
}

/** A typed-in path may hold a broken escape (%ZZ): keep such a segment as it is. */
const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/** Path segments below /admin, decoded: "/content/a%20b" → ["content", "a b"]. */
export function useRoute(): string[] {
  const path = useSyncExternalStore(subscribe, currentPath);
  return path.split("/").filter(Boolean).map(decodeSegment);
}

export const href = (path: string) => BASE + path;
