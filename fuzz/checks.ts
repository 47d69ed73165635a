// Per-reply checks: error texts must not leak stack traces or SQL, no forbidden data may appear,
// and no input may produce an internal error.

/** Never legitimate in an error message, unless the fuzzer itself sent the text. */
export const LEAK_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ["stack frame", /\n?\s{4}at [\w.<>[\] ]*\(?[\w:/\\.-]+:\d+:\d+\)?|^\s+at /m],
  ["node_modules", /node_modules/],
  ["source path", /\/src\/[\w/.-]+\.[tj]s\b/],
  ["SQL SELECT", /SELECT /],
  ["SQL select", /select /],
  ["SQL insert/update", /\b(insert into|update `?"?\w+"?`? set|delete from)\b/i],
  ["SQLITE_ code", /SQLITE_/],
  ["postgres syntax error", /syntax error at or near/],
  ["postgres error text", /\b(relation|column) "[^"]+" does not exist/],
  ["knex", /knex/i],
  ["better-sqlite3", /better-sqlite3|no such (table|column)/],
];

/** Text that shows a secret or forbidden data reached the client. */
export const SECRET_PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ["password hash", /\$scrypt\$|\$argon2|\$2[aby]\$\d\d\$|scrypt\$/],
];

export interface Problem {
  invariant: "no-leaks" | "confidentiality" | "no-internal-errors";
  detail: string;
}

/** Checks one error message against the leak patterns; text the fuzzer sent itself is exempt. */
export function leakIn(message: string, input: string): string | undefined {
  for (const [name, pattern] of LEAK_PATTERNS) {
    const found = pattern.exec(message);
    if (!found) continue;
    if (input.includes(found[0]) || input.toLowerCase().includes(found[0].trim().toLowerCase())) continue;
    return `${name}: ${JSON.stringify(found[0])} in ${JSON.stringify(message.slice(0, 500))}`;
  }
  return undefined;
}

/** Collects every error message (and code) from a parsed reply of any of the protocols. */
export function errorsOf(body: unknown): Array<{ message: string; code?: string }> {
  const out: Array<{ message: string; code?: string }> = [];
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== "object" || depth > 6) return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    const record = node as Record<string, unknown>;
    // REST/GraphQL: {errors:[{message, extensions:{code}}]}; Directus WS: {error:{code,message}}; graphql-ws: {type:"error", payload:[…]}.
    if (typeof record.message === "string" && (record.extensions !== undefined || record.code !== undefined || record.locations !== undefined || depth > 0)) {
      const extensions = record.extensions as Record<string, unknown> | undefined;
      out.push({ message: record.message, code: (extensions?.code ?? record.code) as string | undefined });
      if (extensions) out.push({ message: JSON.stringify(extensions) });
    }
    for (const key of ["errors", "error", "payload"]) if (key in record) visit(record[key], depth + 1);
  };
  visit(body, 0);
  return out;
}

/**
 * All problems in one reply text (HTTP body or WS frame). `isError` marks non-2xx HTTP replies whose
 * whole text counts as an error message when it is not JSON.
 */
export function inspect(text: string, input: string, secretMarkers: string[], isError = false): Problem[] {
  const problems: Problem[] = [];
  for (const marker of secretMarkers) {
    if (text.includes(marker)) problems.push({ invariant: "confidentiality", detail: `forbidden data ${JSON.stringify(marker)} in reply ${JSON.stringify(text.slice(0, 300))}` });
  }
  for (const [name, pattern] of SECRET_PATTERNS) {
    if (pattern.test(text)) problems.push({ invariant: "confidentiality", detail: `${name} in reply ${JSON.stringify(text.slice(0, 300))}` });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    if (isError) {
      const leak = leakIn(text, input);
      if (leak) problems.push({ invariant: "no-leaks", detail: leak });
    }
    return problems;
  }
  for (const error of errorsOf(parsed)) {
    const leak = leakIn(error.message, input);
    if (leak) problems.push({ invariant: "no-leaks", detail: leak });
    if (error.code === "INTERNAL" || error.code === "INTERNAL_SERVER_ERROR") {
      problems.push({ invariant: "no-internal-errors", detail: `INTERNAL error: ${JSON.stringify(text.slice(0, 300))}` });
    }
  }
  return problems;
}

/** The error codes in one reply (for the summary). */
export function codesOf(text: string): string[] {
  try {
    return errorsOf(JSON.parse(text)).map((error) => error.code).filter((code): code is string => typeof code === "string");
  } catch {
    return [];
  }
}
