// Keeps docs/errors.md and the error table in src/errors.ts in step: same codes, same statuses.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { errorTable } from "../src/errors.js";

/** The rows of the markdown table whose first cell is a code: code → status as written. */
function documentedCodes(markdown: string): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of markdown.split("\n")) {
    const match = /^\|\s*`?([A-Z][A-Z0-9_]*)`?\s*\|\s*(\d{3})\s*\|/.exec(line);
    if (match) rows.set(match[1], Number(match[2]));
  }
  return rows;
}

describe("docs/errors.md", () => {
  const documented = documentedCodes(readFileSync(fileURLToPath(new URL("../docs/errors.md", import.meta.url)), "utf8"));
  const codes = Object.keys(errorTable) as Array<keyof typeof errorTable>;

  it("lists every code in errorTable", () => {
    expect(codes.filter((code) => !documented.has(code))).toEqual([]);
  });

  it("lists no code that errorTable lacks", () => {
    expect([...documented.keys()].filter((code) => !(code in errorTable))).toEqual([]);
  });

  it("gives each code the status errorTable gives it", () => {
    const wrong = codes.filter((code) => documented.has(code) && documented.get(code) !== errorTable[code].status);
    expect(wrong.map((code) => `${code}: doc ${documented.get(code)}, table ${errorTable[code].status}`)).toEqual([]);
  });

  it("reads the table it checks", () => {
    expect(documentedCodes("| code | status |\n|---|---|\n| `FORBIDDEN` | 403 | x | y |\n| not a code | 1 |")).toEqual(
      new Map([["FORBIDDEN", 403]]),
    );
  });
});
