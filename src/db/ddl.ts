// Creates, alters and drops the tables and columns behind user collections.
import type { Knex } from "knex";
import type { FieldType } from "../query/values.js";
import type { Executor } from "./db.js";
import { clientOf } from "./rows.js";
import { toDbValue } from "./values.js";

export interface ColumnSpec {
  name: string;
  type: FieldType;
  primaryKey?: boolean;
  autoIncrement?: boolean;
  nullable?: boolean;
  unique?: boolean;
  defaultValue?: unknown;
  maxLength?: number | null;
  precision?: number | null;
  scale?: number | null;
}

export async function createTable(ex: Executor, table: string, columns: ColumnSpec[]): Promise<void> {
  const client = clientOf(ex);
  await ex.schema.createTable(table, (builder) => {
    for (const column of columns) defineColumn(builder, column, client);
  });
}

export async function addColumn(ex: Executor, table: string, column: ColumnSpec): Promise<void> {
  const client = clientOf(ex);
  await ex.schema.alterTable(table, (builder) => {
    defineColumn(builder, column, client);
  });
}

/** Changes type, nullability, default and uniqueness of an existing column (SQLite rebuilds the table). */
export async function alterColumn(ex: Executor, table: string, column: ColumnSpec, previous: ColumnSpec): Promise<void> {
  const client = clientOf(ex);
  await ex.schema.alterTable(table, (builder) => {
    if (previous.unique && !column.unique) builder.dropUnique([column.name]);
    const definition = defineColumn(builder, { ...column, unique: false }, client);
    definition.alter({ alterNullable: true, alterType: column.type !== previous.type || column.maxLength !== previous.maxLength });
    if (column.unique && !previous.unique) builder.unique([column.name]);
  });
}

export async function dropColumn(ex: Executor, table: string, column: string): Promise<void> {
  await ex.schema.alterTable(table, (builder) => {
    builder.dropColumn(column);
  });
}

export async function dropTable(ex: Executor, table: string): Promise<void> {
  await ex.schema.dropTableIfExists(table);
}

export async function listColumns(ex: Executor, table: string): Promise<string[]> {
  return Object.keys(await ex(table).columnInfo());
}

export async function hasTable(ex: Executor, table: string): Promise<boolean> {
  return ex.schema.hasTable(table);
}

function defineColumn(builder: Knex.CreateTableBuilder, column: ColumnSpec, client: "pg" | "sqlite"): Knex.ColumnBuilder {
  const { name } = column;
  const pg = client === "pg";
  let definition: Knex.ColumnBuilder;
  if (column.primaryKey && column.autoIncrement && (column.type === "integer" || column.type === "bigInteger")) {
    return column.type === "integer" ? builder.increments(name, { primaryKey: true }) : builder.bigIncrements(name, { primaryKey: true });
  }
  switch (column.type) {
    case "string": case "hash": definition = builder.string(name, column.maxLength ?? 255); break;
    case "text": case "csv": definition = builder.text(name); break;
    case "integer": definition = builder.integer(name); break;
    case "bigInteger": definition = builder.bigInteger(name); break;
    case "float": definition = builder.double(name); break;
    case "decimal": definition = builder.decimal(name, column.precision ?? 10, column.scale ?? 5); break;
    case "boolean": definition = builder.boolean(name); break;
    case "uuid": definition = pg ? builder.uuid(name) : builder.string(name, 36); break;
    case "json": definition = pg ? builder.json(name) : builder.text(name); break;
    case "dateTime": definition = pg ? builder.specificType(name, "timestamp") : builder.string(name, 19); break;
    case "timestamp": definition = pg ? builder.specificType(name, "timestamptz") : builder.string(name, 24); break;
    case "date": definition = pg ? builder.specificType(name, "date") : builder.string(name, 10); break;
    case "time": definition = pg ? builder.specificType(name, "time") : builder.string(name, 8); break;
    case "alias": throw new Error(`alias field "${name}" has no column`);
  }
  if (column.primaryKey) definition.primary();
  if (column.primaryKey || column.nullable === false) definition.notNullable();
  else definition.nullable();
  if (column.unique && !column.primaryKey) definition.unique();
  if (column.defaultValue !== undefined && column.defaultValue !== null) {
    definition.defaultTo(toDbValue(client, column.type, column.defaultValue) as Knex.Value);
  }
  return definition;
}
