// The benchmark's scenarios (bench/README.md) and how command-line flags turn into a list of cases.
import type { Protocol } from "../load-client.js";
import type { Shape } from "./targets.js";

export type ScenarioId = "a" | "b" | "c" | "d" | "e" | "f" | "g" | "h";
export const ALL_SCENARIOS: ScenarioId[] = ["a", "b", "c", "d", "e", "f", "g", "h"];
export const QUICK_SCENARIOS: ScenarioId[] = ["a", "b", "c", "d", "f"];

export interface Options {
  scenarios: ScenarioId[];
  full: boolean;
  n?: number[];
  writes?: number;
  rate?: number | "max";
  concurrency: number;
  db: "sqlite" | "pg";
  bus: "local" | "redis";
  instances: number;
  users: "shared" | "distinct";
  cPrivate: boolean;
  baseline: boolean;
  dropOne: boolean;
  quietMs: number;
  batch: number;
  resultsDir?: string;
  cpuProf: boolean;
  verbose: boolean;
  strict: boolean;
  pgUrl: string;
  redisUrl: string;
}

export interface CaseSpec {
  id: string;
  scenario: ScenarioId;
  title: string;
  n: number;
  writes: number;
  rate: number | "max";
  concurrency: number;
  protocol: Protocol;
  shape: Shape;
  /** Directus subscribe query. */
  query: Record<string, unknown>;
  /** Each write goes only to its owner (scenario c with --c-private). */
  ownerOnly: boolean;
  /** Where Tidings runs for this case. */
  deploy: { db: "sqlite" | "pg"; bus: "local" | "redis"; instances: number };
  /** Cases sharing a group are compared with each other (f: 0 vs 1,000 subscribers). */
  group?: string;
  /** SQL statements of one read of the subscribed fields (one per level of the field tree). */
  readStatements: number;
}

export const GRAPHQL_SUBSCRIPTION = "subscription { bench_mutated { key event data { id text } } }";

const USAGE = `Usage: npm run bench [-- options]
  --scenario a,b,…   scenarios to run (a–h, or "all"); default: a,b,c,d,f at N=1,000
  --full             every scenario at every N, with longer runs
  --n 100,1000       subscriber counts (overrides each scenario's N)
  --writes K         writes per case
  --rate R|max       writes per second, or "max" (as fast as possible)
  --concurrency C    writes in flight when --rate max (default 4)
  --db sqlite|pg     database for Tidings (pg: fresh database on --pg-url)
  --bus local|redis  realtime bus (redis: --redis-url with a unique namespace)
  --instances K      Tidings instances (subscribers and writes split across them)
  --users shared|distinct   one user on every connection (default) or one user per connection
  --c-private        scenario c: each row is private to its owner (1 delivery per write)
  --no-baseline      skip the bare baseline
  --batch B          connects at a time (default 200)
  --quiet-ms T       give up waiting for events after T ms without one (default 5000)
  --results DIR      where the JSON goes (default bench/results)
  --cpu-prof         profile the Tidings child (--cpu-prof) and print its top functions
  --strict           exit non-zero when a target is missed, too
  --drop-one         the load client discards one event (the run must fail; for tests)
  --verbose          show the servers' output
  --pg-url URL       default postgres://postgres@127.0.0.1:5432/postgres
  --redis-url URL    default redis://127.0.0.1:6379`;

export function parseOptions(argv: string[]): Options {
  const options: Options = {
    scenarios: QUICK_SCENARIOS,
    full: false,
    concurrency: 4,
    db: "sqlite",
    bus: "local",
    instances: 1,
    users: "shared",
    cPrivate: false,
    baseline: true,
    dropOne: false,
    quietMs: 5000,
    batch: 200,
    cpuProf: false,
    verbose: false,
    strict: false,
    pgUrl: process.env.TIDINGS_BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    redisUrl: process.env.TIDINGS_BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
  };
  let scenariosGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) fail(`${flag} needs a value`);
      return next;
    };
    const int = (text: string) => {
      const number = Number(text.replace(/[_,]/g, ""));
      if (!Number.isInteger(number) || number < 0) fail(`${flag}: expected a whole number, got ${text}`);
      return number;
    };
    switch (flag) {
      case "--scenario":
      case "--scenarios": {
        const text = value();
        const list = text === "all" ? ALL_SCENARIOS : text.split(",").map((s) => s.trim().toLowerCase());
        for (const id of list) if (!ALL_SCENARIOS.includes(id as ScenarioId)) fail(`unknown scenario ${id}`);
        options.scenarios = list as ScenarioId[];
        scenariosGiven = true;
        break;
      }
      case "--full": options.full = true; break;
      case "--n": options.n = value().split(",").map((part) => part.trim()).filter(Boolean).map(int); break;
      case "--writes": options.writes = int(value()); break;
      case "--rate": {
        const text = value();
        options.rate = text === "max" ? "max" : Number(text);
        if (options.rate !== "max" && !(options.rate > 0)) fail("--rate: expected a positive number or max");
        break;
      }
      case "--concurrency": options.concurrency = Math.max(1, int(value())); break;
      case "--db": options.db = oneOf(value(), ["sqlite", "pg"] as const, flag); break;
      case "--bus": options.bus = oneOf(value(), ["local", "redis"] as const, flag); break;
      case "--instances": options.instances = Math.max(1, int(value())); break;
      case "--users": options.users = oneOf(value(), ["shared", "distinct"] as const, flag); break;
      case "--c-private": options.cPrivate = true; break;
      case "--no-baseline": options.baseline = false; break;
      case "--drop-one": options.dropOne = true; break;
      case "--quiet-ms": options.quietMs = int(value()); break;
      case "--batch": options.batch = Math.max(1, int(value())); break;
      case "--results": options.resultsDir = value(); break;
      case "--cpu-prof": options.cpuProf = true; break;
      case "--strict": options.strict = true; break;
      case "--verbose": options.verbose = true; break;
      case "--pg-url": options.pgUrl = value(); break;
      case "--redis-url": options.redisUrl = value(); break;
      case "--help":
      case "-h":
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      default: fail(`unknown option ${flag}`);
    }
  }
  if (options.full && !scenariosGiven) options.scenarios = ALL_SCENARIOS;
  return options;
}

function oneOf<T extends string>(text: string, values: readonly T[], flag: string): T {
  if (!values.includes(text as T)) fail(`${flag}: expected one of ${values.join(", ")}`);
  return text as T;
}

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

/** The cases to run, in order, from the options. */
export function planCases(options: Options): CaseSpec[] {
  const cases: CaseSpec[] = [];
  const full = options.full;
  const deploy = { db: options.db, bus: options.bus, instances: options.instances };
  // The quick default keeps `npm run bench` near 2–3 minutes on a 2-core machine; --full runs longer.
  const rated = { writes: full ? 300 : 120, rate: 20 as number | "max" };
  const flat = { writes: full ? 300 : 100, rate: "max" as const };
  const base = (scenario: ScenarioId, n: number, title: string, defaults: { writes: number; rate: number | "max" }, extra: Partial<CaseSpec> = {}): CaseSpec => ({
    id: `${scenario}@${n}`,
    scenario,
    title,
    n,
    writes: options.writes ?? defaults.writes,
    rate: options.rate ?? defaults.rate,
    concurrency: options.concurrency,
    protocol: "directus",
    shape: { distinctUsers: options.users === "distinct" ? n : 1, rowFilter: null, relational: false },
    query: { fields: "id,text" },
    ownerOnly: false,
    deploy,
    readStatements: 1,
    ...extra,
  });
  const ns = (defaults: number[]) => options.n ?? defaults;
  for (const scenario of options.scenarios) {
    switch (scenario) {
      case "a":
        for (const n of ns(full ? [100, 1000, 5000] : [1000])) cases.push(base("a", n, "one role, one collection, 20 writes/s", rated));
        break;
      case "b":
        for (const n of ns(full ? [100, 1000, 5000] : [1000])) cases.push(base("b", n, "one role, writes as fast as possible", flat));
        break;
      case "c":
        for (const n of ns([1000])) {
          cases.push(base("c", n, options.cPrivate ? "distinct users, $CURRENT_USER filter, private rows" : "distinct users, $CURRENT_USER filter (rows shared)", rated, {
            shape: { distinctUsers: n, rowFilter: { _or: [{ owner: { _eq: "$CURRENT_USER" } }, { public: { _eq: true } }] }, relational: false },
            ownerOnly: options.cPrivate,
          }));
        }
        break;
      case "d":
        for (const n of ns([1000])) {
          cases.push(base("d", n, "relational fields id,text,author.name", rated, {
            shape: { distinctUsers: options.users === "distinct" ? n : 1, rowFilter: null, relational: true },
            query: { fields: "id,text,author.name" },
            readStatements: 2,
          }));
        }
        break;
      case "e":
        for (const n of ns([10_000])) cases.push(base("e", n, "idle subscribed connections (memory)", { writes: 5, rate: 5 }));
        break;
      case "f":
        for (const n of options.n ? [0, ...options.n.filter((x) => x > 0)] : [0, 1000]) {
          cases.push(base("f", n, `write throughput with ${n} subscribers`, { writes: full ? 500 : 120, rate: "max" }, { group: "f" }));
        }
        break;
      case "g":
        for (const n of ns([1000])) {
          cases.push(base("g", n, "GraphQL subscriptions (graphql-transport-ws), 20 writes/s", rated, { protocol: "graphql" }));
        }
        break;
      case "h":
        for (const n of ns([1000])) {
          cases.push(base("h", n, "scenario a on 2 instances, PostgreSQL + Redis", rated, { deploy: { db: "pg", bus: "redis", instances: 2 } }));
        }
        break;
    }
  }
  return cases;
}
