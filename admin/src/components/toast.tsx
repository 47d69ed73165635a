// Short confirmations and failures, announced to screen readers. Success is only shown after the server said so.
import { useSyncExternalStore } from "react";

interface Toast {
  id: number;
  kind: "success" | "error";
  text: string;
}

const MAX_SHOWN = 3;
let toasts: Toast[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((listener) => listener());

export function toast(kind: Toast["kind"], text: string) {
  const id = nextId++;
  // A burst of actions shows its latest few, not a column over the page.
  toasts = [...toasts, { id, kind, text }].slice(-MAX_SHOWN);
  emit();
  setTimeout(() => dismiss(id), kind === "error" ? 8_000 : 4_000);
}

function dismiss(id: number) {
  toasts = toasts.filter((item) => item.id !== id);
  emit();
}

export function Toasts() {
  const items = useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => toasts,
  );
  return (
    <div className="toasts" aria-live="polite" role="status">
      {items.map((item) => (
        <div key={item.id} className={`toast toast-${item.kind}`}>
          <span>{item.text}</span>
          <button type="button" className="button-icon" aria-label="Dismiss" onClick={() => dismiss(item.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
