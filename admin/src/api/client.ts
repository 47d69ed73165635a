// REST calls to the Tidings server the studio is served from: bearer token, one refresh on expiry, Directus errors as ApiError.
import { session } from "./session";

/** A refusal from the server, with its Directus error code ("FORBIDDEN", "INVALID_PAYLOAD", …). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

type Query = Record<string, unknown>;

/** Directus's query parameters: objects (filter, deep, …) as JSON, arrays (fields, sort) comma-joined. */
export function queryString(query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) params.set(key, value.join(","));
    else if (typeof value === "object") params.set(key, JSON.stringify(value));
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: { errors?: Array<{ message?: string; extensions?: { code?: string } }> } | undefined;
  try {
    body = await response.json();
  } catch {
    // not JSON: fall through to the status text
  }
  const first = body?.errors?.[0];
  return new ApiError(first?.message ?? `${response.status} ${response.statusText}`, first?.extensions?.code ?? "UNKNOWN", response.status);
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  body?: unknown;
  query?: Query;
  /** Send no token (sign in, refresh). */
  anonymous?: boolean;
}

/** Calls the API and returns the whole JSON body ({ data, meta }), or undefined for 204. */
export async function request<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const send = async () => {
    const headers: Record<string, string> = {};
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    const token = options.anonymous ? undefined : await session.accessToken();
    if (token) headers.Authorization = `Bearer ${token}`;
    return fetch(path + queryString(options.query), {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  };
  let response = await send();
  if (response.status === 401 && !options.anonymous) {
    const error = await errorFrom(response);
    // An access token can expire between the check and the request: refresh once and try again.
    if (error.code !== "TOKEN_EXPIRED" || !(await session.refresh())) {
      // A refused refresh has signed us out already; offline or 5xx keeps the stored token for later.
      if (error.code === "INVALID_CREDENTIALS") session.expire();
      throw error;
    }
    response = await send();
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? response.json() : response.text()) as Promise<T>;
}

/** The `data` of a response. */
export async function data<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
  const body = await request<{ data: T }>(path, options);
  return body?.data as T;
}

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
