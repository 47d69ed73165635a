// The printed table, the targets from the issue (met / missed), and the JSON written under bench/results/.
import type { Measured } from "./runner.js";
import type { CaseSpec } from "./scenarios.js";
import { ratio } from "./stats.js";

export interface CaseResult {
  spec: CaseSpec;
  tidings: Measured;
  baseline?: Measured;
}

export interface TargetCheck {
  scenario: string;
  target: string;
  measured: string;
  /** undefined: could not be checked in this run. */
  met?: boolean;
}

const COLUMNS = ["case", "system", "delivered/expected", "p50 ms", "p95 ms", "p99 ms", "max ms", "deliv/s", "writes/s", "CPU s/1k", "RSS KB/conn", "SQL/event", "renders/ev"];

function fixed(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const ms = (value: number | undefined) => fixed(value, value !== undefined && value < 100 ? 1 : 0);
const times = (value: number | undefined) => (value === undefined ? "–" : `×${fixed(value, value < 10 ? 2 : 1)}`);

function row(label: string, system: string, m: Measured): string[] {
  return [
    label,
    system,
    `${m.delivered.toLocaleString("en-US")}/${m.expected.toLocaleString("en-US")}${m.ok ? "" : " ✗"}`,
    ms(m.latencyMs?.p50),
    ms(m.latencyMs?.p95),
    ms(m.latencyMs?.p99),
    ms(m.latencyMs?.max),
    fixed(m.deliveriesPerSec, 0),
    fixed(m.writesPerSec, 0),
    fixed(m.cpuSecondsPer1kDeliveries, 3),
    fixed(m.rssKiBPerConnection, 1),
    m.target === "baseline" ? "–" : fixed(m.sqlPerEvent, 2),
    m.target === "baseline" ? "–" : fixed(m.rendersPerEvent, 1),
  ];
}

function ratioRow(t: Measured, b: Measured): string[] {
  return [
    "",
    "÷ baseline",
    "",
    times(ratio(t.latencyMs?.p50, b.latencyMs?.p50)),
    times(ratio(t.latencyMs?.p95, b.latencyMs?.p95)),
    times(ratio(t.latencyMs?.p99, b.latencyMs?.p99)),
    times(ratio(t.latencyMs?.max, b.latencyMs?.max)),
    times(ratio(t.deliveriesPerSec ?? undefined, b.deliveriesPerSec ?? undefined)),
    times(ratio(t.writesPerSec, b.writesPerSec)),
    times(ratio(t.cpuSecondsPer1kDeliveries ?? undefined, b.cpuSecondsPer1kDeliveries ?? undefined)),
    times(ratio(t.rssKiBPerConnection ?? undefined, b.rssKiBPerConnection ?? undefined)),
    "",
    "",
  ];
}

export function formatTable(results: CaseResult[]): string {
  const rows: string[][] = [];
  for (const result of results) {
    rows.push(row(result.spec.id, deployLabel(result.spec), result.tidings));
    if (result.baseline) {
      rows.push(row("", "baseline", result.baseline));
      rows.push(ratioRow(result.tidings, result.baseline));
    }
  }
  const widths = COLUMNS.map((title, index) => Math.max(title.length, ...rows.map((cells) => cells[index].length)));
  const line = (cells: string[]) => cells.map((cell, index) => (index < 3 ? cell.padEnd(widths[index]) : cell.padStart(widths[index]))).join("  ");
  const separator = widths.map((width) => "-".repeat(width)).join("  ");
  const out = [line(COLUMNS), separator];
  let previous = "";
  for (const cells of rows) {
    if (cells[0] && previous) out.push("");
    previous = cells[0] || previous;
    out.push(line(cells));
  }
  return out.join("\n");
}

function deployLabel(spec: CaseSpec): string {
  const { db, bus, instances } = spec.deploy;
  return `tidings${db === "pg" ? " pg" : ""}${bus === "redis" ? "+redis" : ""}${instances > 1 ? ` ×${instances}` : ""}${spec.protocol === "graphql" ? " gql" : ""}`;
}

/** The issue's targets, checked against whatever this run measured. */
export function checkTargets(results: CaseResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const find = (scenario: string, n?: number) => results.find((r) => r.spec.scenario === scenario && (n === undefined || r.spec.n === n));
  const pct = (value: number | undefined) => (value === undefined ? "n/a" : `${(value * 100).toFixed(0)}%`);

  for (const scenario of ["a", "b"]) {
    const r = find(scenario, 1000);
    if (r?.baseline) {
      const share = ratio(r.tidings.deliveriesPerSec ?? undefined, r.baseline.deliveriesPerSec ?? undefined);
      checks.push({ scenario: `${scenario}@1000`, target: "deliveries/s ≥ 50% of baseline", measured: pct(share), met: share === undefined ? undefined : share >= 0.5 });
      const p99 = ratio(r.tidings.latencyMs?.p99, r.baseline.latencyMs?.p99);
      checks.push({
        scenario: `${scenario}@1000`, target: "p99 ≤ 2× baseline",
        measured: p99 === undefined ? "n/a" : `${fixed(r.tidings.latencyMs?.p99, 1)} ms vs ${fixed(r.baseline.latencyMs?.p99, 1)} ms (×${p99.toFixed(2)})`,
        met: p99 === undefined ? undefined : p99 <= 2,
      });
    }
    const byN = results.filter((x) => x.spec.scenario === scenario && x.tidings.sqlPerEvent !== null);
    if (byN.length >= 2) {
      const values = byN.map((x) => x.tidings.sqlPerEvent!);
      const spread = Math.max(...values) - Math.min(...values);
      checks.push({
        scenario, target: "SQL queries per event constant in N",
        measured: byN.map((x) => `N=${x.spec.n}: ${fixed(x.tidings.sqlPerEvent, 2)}`).join(", "),
        met: spread <= 0.5,
      });
    } else if (byN.length === 1) {
      checks.push({ scenario, target: "SQL queries per event constant in N", measured: `N=${byN[0].spec.n}: ${fixed(byN[0].tidings.sqlPerEvent, 2)} (one N only: run --n 100,1000 or --full)` });
    }
  }
  const c = find("c");
  if (c?.baseline) {
    const share = ratio(c.tidings.deliveriesPerSec ?? undefined, c.baseline.deliveriesPerSec ?? undefined);
    checks.push({ scenario: c.spec.id, target: "deliveries/s ≥ 30% of baseline", measured: pct(share), met: share === undefined ? undefined : share >= 0.3 });
  }
  const d = find("d");
  if (d) {
    const sql = d.tidings.sqlPerEvent;
    const groups = d.tidings.rendersPerEvent;
    const perRead = d.spec.readStatements;
    // Version checks (time-based, ≤ 0.5 statements per event at 20 writes/s) are tolerated on top.
    checks.push({
      scenario: d.spec.id, target: "one DB read per group per event",
      measured: sql === null || groups === null
        ? "n/a (no /server/metrics)"
        : `${fixed(sql, 2)} SQL per event for ${fixed(groups, 1)} group(s); one read of these fields is ${perRead} statements`,
      met: sql === null || groups === null ? undefined : sql <= groups * perRead + 0.5,
    });
  }
  const e = find("e");
  if (e) {
    const kb = e.tidings.rssKiBPerConnection;
    checks.push({ scenario: e.spec.id, target: "≤ 20 KB RSS per idle subscribed connection", measured: `${fixed(kb, 1)} KB`, met: kb === null ? undefined : kb <= 20 });
  }
  const f0 = results.find((r) => r.spec.scenario === "f" && r.spec.n === 0);
  for (const fN of results.filter((r) => r.spec.scenario === "f" && r.spec.n > 0)) {
    if (!f0) break;
    const share = ratio(fN.tidings.writesPerSec, f0.tidings.writesPerSec);
    checks.push({
      scenario: `f`, target: `write throughput with ${fN.spec.n} subscribers ≥ 80% of with none`,
      measured: `${fixed(fN.tidings.writesPerSec, 0)} vs ${fixed(f0.tidings.writesPerSec, 0)} writes/s (${pct(share)})`,
      met: share === undefined ? undefined : share >= 0.8,
    });
  }
  const g = find("g");
  if (g) {
    const a = find("a", g.spec.n);
    if (a) {
      const slower = ratio(a.tidings.deliveriesPerSec ?? undefined, g.tidings.deliveriesPerSec ?? undefined);
      const p99 = ratio(g.tidings.latencyMs?.p99, a.tidings.latencyMs?.p99);
      checks.push({
        scenario: g.spec.id, target: "within 1.5× of the Directus-protocol figures (a)",
        measured: `p99 ×${fixed(p99, 2)}, deliveries/s ÷${fixed(slower, 2)}`,
        met: p99 === undefined || slower === undefined ? undefined : p99 <= 1.5 && slower <= 1.5,
      });
    } else checks.push({ scenario: g.spec.id, target: "within 1.5× of the Directus-protocol figures (a)", measured: `run scenario a at N=${g.spec.n} in the same run to compare` });
  }
  const lost = results.flatMap((r) => [r.tidings, ...(r.baseline ? [r.baseline] : [])]).reduce((total, m) => total + m.lost, 0);
  checks.push({ scenario: "all", target: "zero lost events", measured: `${lost} lost`, met: lost === 0 });
  return checks;
}

export function formatTargets(checks: TargetCheck[]): string {
  const mark = (met?: boolean) => (met === undefined ? "  ?  " : met ? " met " : "MISSED");
  return checks.map((check) => `${mark(check.met)}  ${check.scenario.padEnd(7)} ${check.target}: ${check.measured}`).join("\n");
}
