// Scalars and operator input types shared by every generated schema.
import { GraphQLBoolean, GraphQLFloat, GraphQLInputObjectType, GraphQLList, GraphQLScalarType, GraphQLString, Kind, type ValueNode, type GraphQLInputType, type GraphQLOutputType, GraphQLInt, GraphQLEnumType } from "graphql";
import type { FieldType } from "../query/values.js";

function literal(node: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (node.kind) {
    case Kind.STRING: case Kind.BOOLEAN: case Kind.ENUM: return node.value;
    case Kind.INT: case Kind.FLOAT: return Number(node.value);
    case Kind.NULL: return null;
    case Kind.LIST: return node.values.map((value) => literal(value, variables));
    case Kind.OBJECT: return Object.fromEntries(node.fields.map((field) => [field.name.value, literal(field.value, variables)]));
    case Kind.VARIABLE: return variables?.[node.name.value];
  }
}

/** A scalar that passes values through unchanged; the query language checks and casts them later. */
const passThrough = (name: string, description: string) =>
  new GraphQLScalarType({ name, description, serialize: (value) => value, parseValue: (value) => value, parseLiteral: literal });

/** Any JSON value (json fields, relational values in inputs). */
export const GraphQLJSON = passThrough("JSON", "Any JSON value.");

/** Numbers in filters accept numeric strings too, as the REST query language does. */
export const GraphQLStringOrFloat = passThrough("GraphQLStringOrFloat", "A number, or a string holding one.");

export const EventEnum = new GraphQLEnumType({
  name: "EventEnum",
  values: { create: { value: "create" }, update: { value: "update" }, delete: { value: "delete" } },
});

/** The GraphQL type of a field's values (every one of these works as input and as output). */
export function scalarFor(type: FieldType): GraphQLOutputType & GraphQLInputType {
  switch (type) {
    case "integer": return GraphQLInt;
    case "float": case "decimal": return GraphQLFloat;
    case "bigInteger": return GraphQLStringOrFloat;
    case "boolean": return GraphQLBoolean;
    case "json": return GraphQLJSON;
    case "csv": return new GraphQLList(GraphQLString);
    default: return GraphQLString;
  }
}

function operators(name: string, value: GraphQLInputType, ops: string[]) {
  const all: Record<string, { type: GraphQLInputType }> = {};
  for (const op of ops) {
    if (op === "_in" || op === "_nin" || op === "_between" || op === "_nbetween") all[op] = { type: new GraphQLList(value) };
    else if (["_null", "_nnull", "_empty", "_nempty"].includes(op)) all[op] = { type: GraphQLBoolean };
    else all[op] = { type: value };
  }
  return new GraphQLInputObjectType({ name, fields: all });
}

const nullOps = ["_null", "_nnull", "_empty", "_nempty"];
const compareOps = ["_eq", "_neq", "_lt", "_lte", "_gt", "_gte", "_in", "_nin", "_between", "_nbetween", ...nullOps];
const textOps = [
  "_contains", "_ncontains", "_icontains", "_nicontains", "_starts_with", "_nstarts_with", "_istarts_with", "_nistarts_with",
  "_ends_with", "_nends_with", "_iends_with", "_niends_with",
];

export const filterOperators = {
  string: operators("string_filter_operators", GraphQLString, [...compareOps, ...textOps]),
  number: operators("number_filter_operators", GraphQLStringOrFloat, compareOps),
  boolean: operators("boolean_filter_operators", GraphQLBoolean, ["_eq", "_neq", "_in", "_nin", ...nullOps]),
  date: operators("date_filter_operators", GraphQLString, compareOps),
  json: operators("json_filter_operators", GraphQLString, nullOps),
};

export function operatorsFor(type: FieldType): GraphQLInputObjectType {
  switch (type) {
    case "integer": case "bigInteger": case "float": case "decimal": return filterOperators.number;
    case "boolean": return filterOperators.boolean;
    case "dateTime": case "date": case "time": case "timestamp": return filterOperators.date;
    case "json": return filterOperators.json;
    default: return filterOperators.string;
  }
}
