// One form control per field, chosen by the field's type (and relation); labelled with the field's name.
import { useId } from "react";
import type { Field, Schema } from "../../api/schema";
import { JsonInput } from "../../components/json-input";
import { isReadable, type Relational } from "./model";
import { ManyPicker, ManyToOnePicker } from "./relation-picker";
import { inputAttrsOf } from "../../components/field-values";

export interface FieldInputProps {
  schema: Schema;
  field: Field;
  relational: Relational | undefined;
  value: unknown;
  onChange: (value: unknown, valid?: boolean) => void;
  required: boolean;
  /** Shown, not editable (filled by the server, read-only, or not writable by the caller). */
  readOnly: boolean;
  /** Text for a read-only field (e.g. a related item's name). */
  display?: string;
}

function FieldLabel({ htmlFor, name, required }: { htmlFor: string; name: string; required: boolean }) {
  // The mark sits beside the label, not in it: the label (the input's name) stays exactly the field's name,
  // and the input itself tells assistive technology that it is required.
  return (
    <span className="label-line">
      <label htmlFor={htmlFor}>{name}</label>
      {required && (
        <span className="required-mark" aria-hidden="true">
          *
        </span>
      )}
    </span>
  );
}

export function FieldInput({ schema, field, relational, value, onChange, required, readOnly, display }: FieldInputProps) {
  const id = useId();
  const note = field.meta?.note;
  const help = note ? <small id={`${id}-note`} className="help">{note}</small> : null;
  const describedBy = note ? `${id}-note` : undefined;
  const name = field.field;

  if (readOnly) {
    const text = display ?? (typeof value === "string" ? value : value === null || value === undefined ? "" : JSON.stringify(value));
    return (
      <div className="field">
        <FieldLabel htmlFor={id} name={name} required={false} />
        <input id={id} readOnly value={text} className="read-only" aria-describedby={describedBy} />
        {help}
      </div>
    );
  }

  if (relational && isReadable(schema, relational.related)) {
    if (relational.kind === "m2o") {
      return (
        <div className="field">
          <FieldLabel htmlFor={id} name={name} required={required} />
          <ManyToOnePicker id={id} schema={schema} related={relational.related} value={String(value ?? "")} onChange={onChange} required={required} describedBy={describedBy} />
          {help}
        </div>
      );
    }
    return <ManyPicker schema={schema} label={name} related={relational.related} value={(value as string[]) ?? []} onChange={onChange} />;
  }

  if (field.type === "json") {
    return <JsonInput label={name} value={value} onChange={onChange} hint={note ?? "Any JSON value; empty means null."} />;
  }
  if (field.type === "boolean") {
    return (
      <div className="field">
        <label className="check">
          <input type="checkbox" checked={value === true} aria-describedby={describedBy} onChange={(event) => onChange(event.target.checked)} />
          {name}
        </label>
        {help}
      </div>
    );
  }
  const common = { id, required, "aria-describedby": describedBy, value: String(value ?? "") };
  return (
    <div className="field">
      <FieldLabel htmlFor={id} name={name} required={required} />
      {field.type === "text" ? (
        <textarea {...common} rows={4} onChange={(event) => onChange(event.target.value)} />
      ) : field.type === "hash" ? (
        <input {...common} type="password" autoComplete="new-password" placeholder="Never shown; type to set a new value" onChange={(event) => onChange(event.target.value)} />
      ) : (
        <input
          {...common}
          {...inputAttrsOf(field.type)}
          maxLength={field.schema?.max_length ?? undefined}
          placeholder={field.type === "csv" ? "a, b, c" : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {help}
    </div>
  );
}
