// Adding a relation the way Directus makes them: key columns, alias fields and /relations rows that name each other.
import { useId, useState } from "react";
import { request } from "../../api/client";
import { isSystemCollection, keyTypeOf, reloadSchema, userCollections, type Schema } from "../../api/schema";
import { useAction } from "../../api/use-async";
import { Dialog } from "../../components/dialog";
import { toast } from "../../components/toast";
import { aliasField, createField, createRelation, foreignKeyField, holdsKeysOf, nameProblem, ON_DELETE, primaryKeyField, runSteps, type OnDelete } from "./model";

type Kind = "m2o" | "o2m" | "m2m";

const KINDS: Array<{ kind: Kind; label: string; hint: (collection: string) => string }> = [
  { kind: "m2o", label: "Many-to-one", hint: (collection) => `Each ${collection} item points at one related item (a key column here).` },
  { kind: "o2m", label: "One-to-many", hint: (collection) => `Each ${collection} item lists the related items that point at it.` },
  { kind: "m2m", label: "Many-to-many", hint: (collection) => `${collection} items and related items are linked through a junction collection.` },
];

type Plan = { problem: string } | { steps: Parameters<typeof runSteps>[0] };

export function RelationDialog({ schema, collection, onClose }: { schema: Schema; collection: string; onClose: () => void }) {
  const id = useId();
  const [kind, setKind] = useState<Kind>("m2o");
  const [field, setField] = useState("");
  const [related, setRelated] = useState("");
  const [reverse, setReverse] = useState("");
  const [foreignKey, setForeignKey] = useState<string>();
  const [junction, setJunction] = useState<string>();
  const [onDelete, setOnDelete] = useState<OnDelete>("SET NULL");
  const [touched, setTouched] = useState(false);
  const action = useAction();

  const targets = [...userCollections(schema).map((item) => item.collection), ...(kind === "o2m" ? [] : ["directus_users"])];
  // Alias fields can only be added to user collections.
  const reverseAllowed = related !== "" && !isSystemCollection(related);
  const foreignKeyName = foreignKey ?? suggestedForeignKey(schema, collection, related);
  const junctionName = junction ?? (related ? `${collection}_${related}` : "");
  const fieldProblem = nameProblem(field, "field");
  const plan = related === "" ? { problem: "Choose the related collection." } : planFor({ schema, kind, collection, field, related, reverse: reverseAllowed ? reverse : "", foreignKey: foreignKeyName, junction: junctionName, onDelete });

  const submit = async () => {
    setTouched(true);
    if (fieldProblem) return document.getElementById(`${id}-field`)?.focus();
    if ("problem" in plan) return;
    const ok = await action.run(() => runSteps(plan.steps));
    if (!ok) return;
    await reloadSchema();
    toast("success", `Relation “${collection}.${field}” added.`);
    onClose();
  };

  const changeKind = (next: Kind) => {
    setKind(next);
    if (next === "o2m" && isSystemCollection(related)) setRelated("");
  };

  return (
    <Dialog title={`Add relation to ${collection}`} onClose={onClose} onSubmit={submit} submitLabel="Add relation" busy={action.busy} error={action.error}>
      <fieldset className="field">
        <legend>Kind</legend>
        {KINDS.map((option) => (
          <label key={option.kind} className="check">
            <input type="radio" name={`${id}-kind`} value={option.kind} checked={kind === option.kind} onChange={() => changeKind(option.kind)} />
            <span>
              {option.label} <span className="help">— {option.hint(collection)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="field-row">
        <div className="field">
          <label htmlFor={`${id}-field`}>Field name</label>
          <input
            id={`${id}-field`}
            value={field}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={touched && fieldProblem ? true : undefined}
            aria-describedby={`${id}-field-help`}
            onChange={(event) => setField(event.target.value)}
          />
          <small id={`${id}-field-help`} className={touched && fieldProblem ? "help help-error" : "help"}>
            {touched && fieldProblem ? fieldProblem : kind === "m2o" ? `A key column on ${collection}.` : `An alias on ${collection}: no column, it lists related items.`}
          </small>
        </div>
        <div className="field">
          <label htmlFor={`${id}-related`}>Related collection</label>
          <select id={`${id}-related`} value={related} aria-invalid={touched && related === "" ? true : undefined} onChange={(event) => setRelated(event.target.value)}>
            <option value="">Choose…</option>
            {targets.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
      </div>

      {kind === "o2m" && related && (
        <div className="field">
          <label htmlFor={`${id}-fk`}>Key field on {related}</label>
          <input id={`${id}-fk`} value={foreignKeyName} spellCheck={false} autoComplete="off" aria-describedby={`${id}-fk-help`} onChange={(event) => setForeignKey(event.target.value)} />
          <small id={`${id}-fk-help`} className="help">
            {schema.fields.some((item) => item.collection === related && item.field === foreignKeyName)
              ? `${related}.${foreignKeyName} exists: it will be used.`
              : `A new ${keyTypeOf(schema, collection)} field ${related}.${foreignKeyName} will point at ${collection}.`}
          </small>
        </div>
      )}

      {kind === "m2m" && related && (
        <div className="field">
          <label htmlFor={`${id}-junction`}>Junction collection</label>
          <input id={`${id}-junction`} value={junctionName} spellCheck={false} autoComplete="off" aria-describedby={`${id}-junction-help`} onChange={(event) => setJunction(event.target.value)} />
          <small id={`${id}-junction-help`} className="help">
            A new hidden collection with an id and the keys {junctionKeys(collection, related).join(" and ")}.
          </small>
        </div>
      )}

      {kind !== "o2m" && reverseAllowed && (
        <div className="field">
          <label htmlFor={`${id}-reverse`}>
            {kind === "m2o" ? "One-to-many" : "Many-to-many"} field on {related} (optional)
          </label>
          <input id={`${id}-reverse`} value={reverse} spellCheck={false} autoComplete="off" aria-describedby={`${id}-reverse-help`} onChange={(event) => setReverse(event.target.value)} />
          <small id={`${id}-reverse-help`} className="help">
            Lists the {collection} items from the other side. Empty for none.
          </small>
        </div>
      )}

      <div className="field">
        <label htmlFor={`${id}-on-delete`}>On delete</label>
        <select id={`${id}-on-delete`} value={onDelete} aria-describedby={`${id}-on-delete-help`} onChange={(event) => setOnDelete(event.target.value as OnDelete)}>
          {ON_DELETE.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
        <small id={`${id}-on-delete-help`} className="help">
          {kind === "m2o" && related ? `When a ${related} item is deleted, what happens to the ${collection} items pointing at it.` : kind === "o2m" && related ? `When a ${collection} item is deleted, what happens to the ${related} items pointing at it.` : "When a linked item is deleted, what happens to the links."}
        </small>
      </div>

      {touched && "problem" in plan && (
        <p className="notice notice-error" role="alert">
          {plan.problem}
        </p>
      )}
    </Dialog>
  );
}

/** An m2o field of `related` that points at `collection` and has no o2m alias yet, else a new name. */
function suggestedForeignKey(schema: Schema, collection: string, related: string): string {
  const free = schema.relations.filter((relation) => relation.collection === related && relation.related_collection === collection && !relation.meta?.one_field && !relation.meta?.junction_field);
  return free.length === 1 ? free[0].field : `${collection}_id`;
}

/** The two key columns of a junction; a collection related to itself gets a second, distinct name. */
const junctionKeys = (collection: string, related: string) => [`${collection}_id`, related === collection ? `related_${collection}_id` : `${related}_id`];

interface PlanInput {
  schema: Schema;
  kind: Kind;
  collection: string;
  field: string;
  related: string;
  reverse: string;
  foreignKey: string;
  junction: string;
  onDelete: OnDelete;
}

/** The requests that make the relation, in order, or why it can't be made. */
function planFor(input: PlanInput): Plan {
  const { schema, collection, field, related, onDelete } = input;
  const reverse = input.reverse.trim();
  if (reverse) {
    const problem = nameProblem(reverse, "field");
    if (problem) return { problem: `The field on ${related}: ${problem}` };
  }
  if (input.kind === "m2o") {
    return {
      steps: [
        createField(collection, foreignKeyField(schema, field, related)),
        ...(reverse ? [createField(related, aliasField(reverse, "o2m"))] : []),
        createRelation({ collection, field, related_collection: related, meta: { one_field: reverse || null }, schema: { on_delete: onDelete } }),
      ],
    };
  }
  if (input.kind === "o2m") return planOneToMany(input);
  const junctionProblem = nameProblem(input.junction, "collection");
  if (junctionProblem) return { problem: `The junction collection: ${junctionProblem}` };
  const [ownKey, relatedKey] = junctionKeys(collection, related);
  const junctionFields = [
    primaryKeyField("integer"),
    { field: ownKey, type: keyTypeOf(schema, collection), meta: { hidden: true }, schema: {} },
    { field: relatedKey, type: keyTypeOf(schema, related), meta: { hidden: true }, schema: {} },
  ];
  return {
    steps: [
      {
        run: () => request("/collections", { method: "POST", body: { collection: input.junction, meta: { hidden: true, icon: "import_export" }, schema: {}, fields: junctionFields } }),
        undo: () => request(`/collections/${encodeURIComponent(input.junction)}`, { method: "DELETE" }),
      },
      createField(collection, aliasField(field, "m2m")),
      ...(reverse ? [createField(related, aliasField(reverse, "m2m"))] : []),
      createRelation({ collection: input.junction, field: ownKey, related_collection: collection, meta: { one_field: field, junction_field: relatedKey, sort_field: null }, schema: { on_delete: onDelete } }),
      createRelation({ collection: input.junction, field: relatedKey, related_collection: related, meta: { one_field: reverse || null, junction_field: ownKey, sort_field: null }, schema: { on_delete: onDelete } }),
    ],
  };
}

/** One-to-many: an alias here, and an m2o key on the related collection (reused when it already points here). */
function planOneToMany({ schema, collection, field, related, foreignKey, onDelete }: PlanInput): Plan {
  const problem = nameProblem(foreignKey, "field");
  if (problem) return { problem: `The key field on ${related}: ${problem}` };
  const existing = schema.fields.find((item) => item.collection === related && item.field === foreignKey);
  const relation = schema.relations.find((item) => item.collection === related && item.field === foreignKey);
  const alias = createField(collection, aliasField(field, "o2m"));
  if (relation) {
    if (relation.related_collection !== collection) return { problem: `${related}.${foreignKey} already points at ${relation.related_collection ?? "another collection"}.` };
    if (relation.meta?.one_field) return { problem: `${related}.${foreignKey} already has the one-to-many field ${collection}.${relation.meta.one_field}.` };
    const path = `/relations/${encodeURIComponent(related)}/${encodeURIComponent(foreignKey)}`;
    return {
      steps: [
        alias,
        {
          run: () => request(path, { method: "PATCH", body: { meta: { one_field: field }, schema: { on_delete: onDelete } } }),
          undo: () => request(path, { method: "PATCH", body: { meta: { one_field: null }, schema: { on_delete: relation.schema?.on_delete ?? "SET NULL" } } }),
        },
      ],
    };
  }
  if (existing && (existing.type === "alias" || !holdsKeysOf(schema, collection, existing.type))) {
    return { problem: `${related}.${foreignKey} (${existing.type}) can't hold keys of ${collection} (${keyTypeOf(schema, collection)}).` };
  }
  return {
    steps: [
      alias,
      ...(existing ? [] : [createField(related, foreignKeyField(schema, foreignKey, collection))]),
      createRelation({ collection: related, field: foreignKey, related_collection: collection, meta: { one_field: field }, schema: { on_delete: onDelete } }),
    ],
  };
}
