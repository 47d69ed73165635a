// Turns a GraphQL selection set into the query language's `fields` and `deep`, so one read serves it.
import { Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode, valueFromASTUntyped } from "graphql";

export interface SelectionQuery {
  fields: string[];
  deep: Record<string, unknown>;
}

/** Arguments of nested (one-to-many) fields become `deep` options, as Directus maps them. */
const DEEP_ARGS: Record<string, string> = { filter: "_filter", sort: "_sort", limit: "_limit", offset: "_offset", page: "_page", search: "_search" };

export function selectionToQuery(
  selectionSet: SelectionSetNode | undefined,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  isRelation: (path: string[]) => boolean,
  path: string[] = [],
): SelectionQuery {
  const fields = new Set<string>();
  const deep: Record<string, unknown> = {};
  for (const field of fieldsOf(selectionSet, fragments)) {
    const name = field.name.value;
    if (name.startsWith("__")) continue;
    const here = [...path, name];
    if (field.selectionSet && isRelation(here)) {
      const nested = selectionToQuery(field.selectionSet, fragments, variables, isRelation, here);
      for (const sub of nested.fields) fields.add(`${name}.${sub}`);
      const options: Record<string, unknown> = { ...nested.deep };
      for (const arg of field.arguments ?? []) {
        const key = DEEP_ARGS[arg.name.value];
        if (key) options[key] = valueFromASTUntyped(arg.value, variables);
      }
      if (Object.keys(options).length) deep[name] = options;
    } else fields.add(name);
  }
  return { fields: fields.size ? [...fields] : ["*"], deep };
}

/** The fields of a selection set, with fragments spread in. */
export function fieldsOf(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  const out: FieldNode[] = [];
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(selection.selectionSet, fragments));
    else {
      const fragment = fragments[selection.name.value];
      if (fragment) out.push(...fieldsOf(fragment.selectionSet, fragments));
    }
  }
  return out;
}
