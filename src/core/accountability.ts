// Who is asking: the user, role(s) and policies behind a request, socket or subscription.

export interface Accountability {
  user: string | null;
  role: string | null;
  /** The role and its ancestors, nearest first. */
  roles: string[];
  policies: string[];
  admin: boolean;
  app: boolean;
  ip?: string;
  userAgent?: string;
  /** When the credential stops being valid (ms since epoch), for JWTs; static tokens never expire. */
  expiresAt?: number;
}

export const publicAccountability = (extra: Partial<Accountability> = {}): Accountability => ({
  user: null,
  role: null,
  roles: [],
  policies: [],
  admin: false,
  app: false,
  ...extra,
});

/** The server acting on its own behalf (variable lookups, bootstrap): full access, never exposed. */
export const systemAccountability: Accountability = Object.freeze({ ...publicAccountability(), admin: true, app: true });
