// Dynamic variables in filters ($CURRENT_USER, $CURRENT_ROLE, $NOW(-1 day), ...), replaced by plain values.

export interface VariableValues {
  user: string | null;
  role: string | null;
  roles: string[];
  policies: string[];
  now: Date;
  /** Values of `$CURRENT_USER.<path>` / `$CURRENT_ROLE.<path>` lookups, keyed by the full variable text. */
  lookups?: Record<string, unknown>;
}

const NOW = /^\$NOW(?:\(\s*([+-]?\d+)\s*(\w+?)s?\s*\))?$/;
const RELATIONAL = /^\$CURRENT_(USER|ROLE)\.[\w.]+$/;

/** Variables like `$CURRENT_USER.team` whose values need a database lookup before `applyVariables`. */
export function collectLookups(filter: unknown, into = new Set<string>()): Set<string> {
  if (typeof filter === "string" && RELATIONAL.test(filter)) into.add(filter);
  else if (Array.isArray(filter)) filter.forEach((item) => collectLookups(item, into));
  else if (filter && typeof filter === "object") Object.values(filter).forEach((item) => collectLookups(item, into));
  return into;
}

/** Returns a copy of `filter` with every dynamic variable replaced by its value. */
export function applyVariables(filter: unknown, values: VariableValues): unknown {
  if (typeof filter === "string") return resolve(filter, values);
  if (Array.isArray(filter)) return filter.map((item) => applyVariables(item, values));
  if (filter && typeof filter === "object") {
    // fromEntries defines own keys, so a "__proto__" key stays a key (and is refused later).
    return Object.fromEntries(Object.entries(filter).map(([key, item]) => [key, applyVariables(item, values)]));
  }
  return filter;
}

function resolve(text: string, values: VariableValues): unknown {
  if (!text.startsWith("$")) return text;
  switch (text) {
    case "$CURRENT_USER": return values.user;
    case "$CURRENT_ROLE": return values.role;
    case "$CURRENT_ROLES": return values.roles;
    case "$CURRENT_POLICIES": return values.policies;
  }
  if (RELATIONAL.test(text)) return values.lookups?.[text] ?? null;
  const now = NOW.exec(text);
  if (now) return shiftDate(values.now, now[1] ? Number(now[1]) : 0, now[2]?.toLowerCase()).toISOString();
  return text;
}

const unitMs: Record<string, number> = {
  millisecond: 1, ms: 1, second: 1000, sec: 1000, s: 1000, minute: 60_000, min: 60_000, m: 60_000,
  hour: 3_600_000, h: 3_600_000, day: 86_400_000, d: 86_400_000, week: 604_800_000, w: 604_800_000,
};

function shiftDate(from: Date, amount: number, unit: string | undefined): Date {
  const date = new Date(from.getTime());
  if (!amount || !unit) return date;
  if (unit === "month" || unit === "mo") date.setUTCMonth(date.getUTCMonth() + amount);
  else if (unit === "year" || unit === "y") date.setUTCFullYear(date.getUTCFullYear() + amount);
  else if (unitMs[unit]) date.setTime(date.getTime() + amount * unitMs[unit]);
  return date;
}
