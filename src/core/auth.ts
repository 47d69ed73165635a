// Login, refresh, logout and turning a token (JWT or static) into an Accountability.
import { createHash, randomBytes } from "node:crypto";
import { SignJWT, jwtVerify, errors as joseErrors } from "jose";
import type { Db } from "../db/db.js";
import { deleteRows, insertRow, selectRows } from "../db/rows.js";
import { AppError } from "../errors.js";
import { verifyPassword } from "../lib/password.js";
import type { FilterNode } from "../query/filter.js";
import type { AccessResolver } from "./access.js";
import type { Accountability } from "./accountability.js";
import { systemTable } from "./system-collections.js";

export interface AuthConfig {
  secret: string;
  accessTokenTtl: number;
  refreshTokenTtl: number;
}

export interface TokenSet {
  access_token: string;
  refresh_token: string;
  expires: number;
}

export interface Client {
  ip?: string;
  userAgent?: string;
}

const eq = (field: string, value: unknown, type: "string" | "uuid" = "string"): FilterNode => ({ kind: "field", field, type, op: "_eq", value });
const invalidCredentials = () => new AppError("INVALID_CREDENTIALS");
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const ISSUER = "directus";
/**
 * Checked when the email is unknown or has no password, so a login costs one scrypt either way and its
 * timing does not tell whether the account exists. The key is random: no known password matches it.
 */
const DUMMY_HASH = "scrypt$16384$8$1$Ayv-6IDOJPzjgh-P_TGs1A$3rTTi7j5jf1d8OGAWUoNtZDce3Wb5EaQPL89DqS-Xko";

export type Auth = ReturnType<typeof createAuth>;

export function createAuth(db: Db, config: AuthConfig, access: AccessResolver) {
  const resolve = access.user;
  const key = new TextEncoder().encode(config.secret);
  const users = systemTable("directus_users");
  const sessions = systemTable("directus_sessions");

  async function issue(userId: string, client: Client): Promise<TokenSet> {
    const accountability = await resolve(userId, client);
    const expiresInSeconds = Math.max(1, Math.round(config.accessTokenTtl / 1000));
    const access = await new SignJWT({ id: userId, role: accountability.role, app_access: accountability.app, admin_access: accountability.admin })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .setIssuer(ISSUER)
      .sign(key);
    const refresh = randomBytes(48).toString("base64url");
    await insertRow(db.knex, sessions, {
      token: sha256(refresh),
      user: userId,
      expires: new Date(Date.now() + config.refreshTokenTtl).toISOString(),
      ip: client.ip ?? null,
      user_agent: client.userAgent?.slice(0, 1024) ?? null,
    });
    return { access_token: access, refresh_token: refresh, expires: expiresInSeconds * 1000 };
  }

  async function activeUser(where: FilterNode) {
    const [user] = await selectRows(db.knex, users, { columns: ["id", "password", "status"], where, limit: 1 });
    return user;
  }

  return {
    async login(email: unknown, password: unknown, client: Client): Promise<TokenSet> {
      if (typeof email !== "string" || typeof password !== "string") throw new AppError("INVALID_PAYLOAD", 'Invalid payload. "email" and "password" are required.');
      const user = await activeUser(eq("email", email.trim().toLowerCase()));
      const valid = await verifyPassword(password, (user?.password as string | null | undefined) ?? DUMMY_HASH);
      if (!user || !valid) throw invalidCredentials();
      if (user.status !== "active") throw invalidCredentials();
      return issue(String(user.id), client);
    },

    async refresh(refreshToken: unknown, client: Client): Promise<TokenSet> {
      if (typeof refreshToken !== "string" || refreshToken === "") throw new AppError("INVALID_PAYLOAD", 'Invalid payload. "refresh_token" is required.');
      const where = eq("token", sha256(refreshToken));
      const [session] = await selectRows(db.knex, sessions, { columns: ["user", "expires"], where });
      if (!session) throw invalidCredentials();
      // Concurrent refreshes with one token all read the row; only the one whose delete removed it goes on.
      if ((await deleteRows(db.knex, sessions, where)) !== 1) throw invalidCredentials();
      if (String(session.expires) < new Date().toISOString()) throw new AppError("TOKEN_EXPIRED");
      const user = await activeUser(eq("id", session.user, "uuid"));
      if (!user || user.status !== "active") throw invalidCredentials();
      return issue(String(user.id), client);
    },

    async logout(refreshToken: unknown): Promise<void> {
      if (typeof refreshToken !== "string" || refreshToken === "") throw new AppError("INVALID_PAYLOAD", 'Invalid payload. "refresh_token" is required.');
      const where = eq("token", sha256(refreshToken));
      const [session] = await selectRows(db.knex, sessions, { columns: ["token"], where });
      if (!session) throw invalidCredentials();
      await deleteRows(db.knex, sessions, where);
    },

    /** The accountability behind a token, or throws INVALID_CREDENTIALS / TOKEN_EXPIRED. */
    async authenticate(token: string | undefined, client: Client): Promise<Accountability> {
      if (!token) return access.anonymous(client);
      if (JWT_SHAPE.test(token)) {
        let payload: { id?: unknown; iss?: unknown; exp?: number };
        try {
          ({ payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ["HS256"] }));
        } catch (error) {
          if (error instanceof joseErrors.JWTExpired) throw new AppError("TOKEN_EXPIRED");
          throw invalidCredentials();
        }
        if (typeof payload.id !== "string") throw invalidCredentials();
        const accountability = await resolve(payload.id, client);
        return { ...accountability, expiresAt: payload.exp ? payload.exp * 1000 : undefined };
      }
      const owner = await access.tokenOwner(token);
      if (!owner) throw invalidCredentials();
      return resolve(owner, client);
    },
  };
}
