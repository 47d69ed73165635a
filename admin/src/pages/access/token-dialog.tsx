// Shows a freshly set static token once, with a Copy button: the server only ever returns it masked.
import { useRef, useState } from "react";
import { Dialog } from "../../components/dialog";

/** 32 random bytes, base64url: 43 URL-safe characters. */
export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function TokenDialog({ email, token, onClose }: { email: string; token: string; onClose: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<"copied" | "selected">();
  const copyToken = async () => {
    try {
      await navigator.clipboard.writeText(token);
      setCopy("copied");
    } catch {
      // No clipboard access (permissions, insecure context): select the text so the user can copy it.
      input.current?.focus();
      input.current?.select();
      setCopy("selected");
    }
  };
  return (
    <Dialog title="Static token" onClose={onClose}>
      <p className="notice notice-info">This is the only time the token is shown: the server returns it masked from now on. Copy it now and keep it somewhere safe.</p>
      <div className="field">
        <label htmlFor="static-token">Static token for {email}</label>
        <div className="copy-row">
          <input id="static-token" ref={input} className="code" readOnly value={token} onFocus={(event) => event.target.select()} />
          <button type="button" onClick={() => void copyToken()}>
            Copy
          </button>
        </div>
        <small className="help" role="status">
          {copy === "copied" ? "Copied" : copy === "selected" ? "Could not copy automatically: the token is selected, press Ctrl+C (⌘C on a Mac)." : ""}
        </small>
      </div>
      <div className="dialog-actions">
        <button type="button" className="button-secondary" onClick={onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
