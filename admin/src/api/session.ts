// The signed-in session: access token in memory, refresh token in localStorage, refreshed before it expires.
// Refresh tokens rotate, so tabs take turns (Web Locks) and always use the newest stored token.

const STORAGE_KEY = "tidings.refresh_token";
/** Refresh this long before the access token expires. */
const EARLY_MS = 30_000;

interface Tokens {
  access_token: string;
  refresh_token: string;
  expires: number;
}

type Listener = (signedIn: boolean) => void;

class Session {
  private token: string | undefined;
  private expiresAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private pending: Promise<boolean> | undefined;
  /** Bumped on sign-out: a refresh answered after it must not sign the user back in. */
  private generation = 0;
  private listeners = new Set<Listener>();

  get signedIn() {
    return this.token !== undefined;
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A valid access token, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | undefined> {
    if (this.token && Date.now() > this.expiresAt - EARLY_MS / 2) await this.refresh();
    return this.token;
  }

  async signIn(email: string, password: string): Promise<void> {
    const response = await fetch("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password, mode: "json" }),
    });
    const body = await response.json().catch(() => undefined);
    if (!response.ok) {
      const message = body?.errors?.[0]?.message ?? `Sign-in failed (${response.status}).`;
      throw new Error(message);
    }
    this.accept(body.data as Tokens);
  }

  /** Resumes a stored session; false when there is none or it was revoked. */
  resume(): Promise<boolean> {
    if (!localStorage.getItem(STORAGE_KEY)) return Promise.resolve(false);
    return this.refresh();
  }

  /** Trades the stored refresh token for a new pair; false (and signed out) when the server refuses it. */
  refresh(): Promise<boolean> {
    this.pending ??= this.withLock(async () => {
      const generation = this.generation;
      const refreshToken = localStorage.getItem(STORAGE_KEY);
      if (!refreshToken) return this.drop();
      try {
        const response = await fetch("/auth/refresh", {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ refresh_token: refreshToken, mode: "json" }),
        });
        if (generation !== this.generation) return false;
        if (response.status === 401 || response.status === 403) return this.drop();
        if (!response.ok) return false;
        const tokens = (await response.json()).data as Tokens;
        if (generation !== this.generation) return false;
        this.accept(tokens);
        return true;
      } catch {
        return false; // offline: keep the stored token and try again later
      }
    }).finally(() => (this.pending = undefined));
    return this.pending;
  }

  async signOut(): Promise<void> {
    const refreshToken = localStorage.getItem(STORAGE_KEY);
    this.drop();
    if (refreshToken) {
      await fetch("/auth/logout", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: refreshToken, mode: "json" }),
      }).catch(() => undefined);
    }
  }

  /** The server no longer accepts our tokens. */
  expire() {
    if (this.signedIn) this.drop();
  }

  private accept(tokens: Tokens) {
    const wasSignedIn = this.signedIn;
    this.token = tokens.access_token;
    this.expiresAt = Date.now() + tokens.expires;
    localStorage.setItem(STORAGE_KEY, tokens.refresh_token);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), Math.max(tokens.expires - EARLY_MS, 1_000));
    if (!wasSignedIn) this.emit();
  }

  private drop(): false {
    const wasSignedIn = this.signedIn;
    this.generation++;
    this.token = undefined;
    this.expiresAt = 0;
    clearTimeout(this.timer);
    localStorage.removeItem(STORAGE_KEY);
    if (wasSignedIn) this.emit();
    return false;
  }

  private emit() {
    for (const listener of this.listeners) listener(this.signedIn);
  }

  private withLock<T>(task: () => Promise<T>): Promise<T> {
    return navigator.locks ? (navigator.locks.request("tidings.refresh", task) as Promise<T>) : task();
  }
}

export const session = new Session();
