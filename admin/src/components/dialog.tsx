// A modal dialog on the native <dialog> element: it traps focus, closes on Escape and gives focus back to its opener.
import { useEffect, useRef, type FormEvent, type ReactNode } from "react";
import { errorMessage } from "../api/client";
import { useAction } from "../api/use-async";
import { toast } from "./toast";

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** When given, the body is a form; the submit button runs it and shows its failure inside the dialog. */
  onSubmit?: () => Promise<void> | void;
  submitLabel?: string;
  busy?: boolean;
  error?: unknown;
  wide?: boolean;
}

export function Dialog({ title, onClose, children, onSubmit, submitLabel = "Save", busy, error, wide }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    // The dialog closes by unmounting, after React has removed it: give focus back to the opener ourselves.
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) void onSubmit?.();
  };
  const titleId = `dialog-title-${title.replace(/\W+/g, "-")}`;
  return (
    <dialog ref={ref} className={wide ? "dialog dialog-wide" : "dialog"} aria-labelledby={titleId} onCancel={(event) => { event.preventDefault(); onClose(); }}>
      <form method="dialog" onSubmit={submit} noValidate={false}>
        <header className="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="button-icon" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="dialog-body">
          {children}
          {error !== undefined && error !== null && (
            <p className="notice notice-error" role="alert">
              {errorMessage(error)}
            </p>
          )}
        </div>
        {onSubmit && (
          <footer className="dialog-footer">
            <button type="button" className="button-secondary" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" disabled={busy} aria-busy={busy}>
              {busy ? "Saving…" : submitLabel}
            </button>
          </footer>
        )}
      </form>
    </dialog>
  );
}

export interface ConfirmDialogProps {
  title: string;
  message: ReactNode;
  confirmLabel?: string;
  /** The request to make. A refusal is shown in the dialog, which stays open. */
  run: () => Promise<unknown>;
  /** Said once the server accepted. */
  success?: string;
  /** Runs after the server accepted and the dialog closed (reload, open a next dialog). */
  onDone?: () => unknown;
  onClose: () => void;
}

/** Asks before something destructive, makes the request, and only then reports success. */
export function ConfirmDialog({ title, message, confirmLabel = "Delete", run, success, onDone, onClose }: ConfirmDialogProps) {
  const action = useAction();
  const confirm = async () => {
    if (!(await action.run(run))) return;
    if (success) toast("success", success);
    onClose();
    await onDone?.();
  };
  return (
    <Dialog title={title} onClose={onClose} onSubmit={confirm} submitLabel={confirmLabel} busy={action.busy} error={action.error}>
      <p>{message}</p>
    </Dialog>
  );
}

