// Parsing, validation and schema caching for GraphQL, shared by HTTP and WebSocket transports.
import { GraphQLError, NoSchemaIntrospectionCustomRule, parse, specifiedRules, type ASTVisitor, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema, type ValidationContext, type ValidationRule } from "graphql";
import type { Accountability } from "../core/accountability.js";
import type { Items } from "../core/items.js";
import type { Permissions } from "../core/permissions.js";
import type { SchemaStore } from "../core/schema-store.js";
import { isAppError, type ErrorCode } from "../errors.js";
import { buildSchema } from "./schema.js";

export interface GraphQLLimits {
  tokenLimit: number;
  maxDepth: number;
}

const CACHE_LIMIT = 500;

export type GraphQLService = ReturnType<typeof createGraphQL>;

export function createGraphQL(deps: { schemas: SchemaStore; permissions: Permissions; accessVersion: () => Promise<number>; items: Items; limits: GraphQLLimits }) {
  const cache = new Map<string, GraphQLSchema>();

  /** One schema per permission shape (policies, admin/app flags), rebuilt when schema or access changes. */
  async function schemaFor(accountability: Accountability): Promise<GraphQLSchema> {
    const schema = await deps.schemas.get();
    const key = `${schema.version}:${await deps.accessVersion()}:${accountability.admin ? 1 : 0}${accountability.app ? 1 : 0}${accountability.user ? 1 : 0}:${accountability.policies.join(",")}`;
    let built = cache.get(key);
    if (!built) {
      built = buildSchema(schema, await deps.permissions.view(schema, accountability));
      if (cache.size > CACHE_LIMIT) cache.clear();
      cache.set(key, built);
    }
    return built;
  }

  /** Parses within the token limit; nesting far past the depth limit is refused before the recursive parser runs. */
  function parseDocument(source: string): DocumentNode {
    const nesting = maxNesting(source);
    if (nesting > deps.limits.maxDepth * 4 + 16) {
      throw new GraphQLError(`Syntax Error: the document is nested ${nesting} levels deep; the limit is ${deps.limits.maxDepth}.`);
    }
    return parse(source, { maxTokens: deps.limits.tokenLimit });
  }

  /** The spec's rules, a depth limit, and no introspection for anonymous callers. */
  function rulesFor(accountability: Accountability): ValidationRule[] {
    const rules: ValidationRule[] = [...specifiedRules, depthLimit(deps.limits.maxDepth)];
    if (!accountability.user) rules.push(NoSchemaIntrospectionCustomRule);
    return rules;
  }

  return { schemaFor, parseDocument, rulesFor, context: (accountability: Accountability) => ({ accountability, items: deps.items }) };
}

/** Deepest bracket nesting outside strings and comments (a cheap bound before parsing). */
function maxNesting(source: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < source.length; i++) {
    const char = source[i];
    if (char === "#") while (i < source.length && source[i] !== "\n") i++;
    else if (char === '"') {
      for (i++; i < source.length && source[i] !== '"'; i++) if (source[i] === "\\") i++;
    } else if (char === "{" || char === "(" || char === "[") max = Math.max(max, ++depth);
    else if (char === "}" || char === ")" || char === "]") depth--;
  }
  return max;
}

/** Rejects documents whose selections nest deeper than `max` (fragments followed). */
export function depthLimit(max: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(node) {
      const depthOf = (selections: readonly any[], depth: number, seen: Set<string>): number => {
        let deepest = depth;
        for (const selection of selections) {
          if (selection.kind === "Field") {
            if (selection.selectionSet) deepest = Math.max(deepest, depthOf(selection.selectionSet.selections, depth + 1, seen));
          } else if (selection.kind === "InlineFragment") deepest = Math.max(deepest, depthOf(selection.selectionSet.selections, depth, seen));
          else if (selection.kind === "FragmentSpread" && !seen.has(selection.name.value)) {
            const fragment = context.getFragment(selection.name.value);
            if (fragment) deepest = Math.max(deepest, depthOf(fragment.selectionSet.selections, depth, new Set([...seen, selection.name.value])));
          }
          if (deepest > max) return deepest;
        }
        return deepest;
      };
      const depth = depthOf(node.selectionSet.selections, 0, new Set());
      if (depth > max) context.reportError(new GraphQLError(`The query is nested ${depth} levels deep; the limit is ${max}.`, { nodes: [node] }));
    },
  });
}

/** GraphQL errors carry the same codes as REST in `extensions.code`; unexpected ones are reported once. */
export function formatError(error: GraphQLError, onUnexpected: (error: unknown) => void = () => {}): GraphQLFormattedError {
  const original = error.originalError;
  let code: ErrorCode = "INTERNAL";
  let message = error.message;
  if (isAppError(original)) code = original.code;
  else if (!original && !error.path) code = error.message.startsWith("Syntax Error") ? "GRAPHQL_PARSE" : "GRAPHQL_VALIDATION";
  else if (original && !(original instanceof GraphQLError)) {
    onUnexpected(original);
    message = "An unexpected error occurred.";
  }
  else if (original instanceof GraphQLError) code = "GRAPHQL_VALIDATION";
  return { message, locations: error.locations, path: error.path, extensions: { code } };
}
