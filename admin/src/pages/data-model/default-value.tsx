// A field's default value, entered with an input that fits its type and converted to the JSON the server expects.
import { inputAttrsOf, toLocalInput } from "../../components/field-values";
import { JsonInput } from "../../components/json-input";

/** The text an input shows for a stored default value. */
export function defaultToText(type: string, value: unknown): string {
  if (value === null || value === undefined) return "";
  if (type === "timestamp") return toLocalInput(String(value));
  if (type === "dateTime") return String(value).slice(0, 19);
  return String(value);
}

/** The default value to send for what was entered, or the reason it can't be one. */
export function textToDefault(type: string, text: string): { value: unknown } | { problem: string } {
  if (text.trim() === "") return { value: null };
  switch (type) {
    case "integer":
    case "bigInteger": {
      const number = Number(text);
      return Number.isSafeInteger(number) ? { value: number } : { problem: "Enter a whole number." };
    }
    case "float":
    case "decimal": {
      const number = Number(text);
      return Number.isFinite(number) ? { value: number } : { problem: "Enter a number." };
    }
    case "boolean":
      return { value: text === "true" };
    case "timestamp": {
      const date = new Date(text);
      return Number.isNaN(date.getTime()) ? { problem: "Enter a date and time." } : { value: date.toISOString() };
    }
    default:
      return { value: text };
  }
}

export interface DefaultValueInputProps {
  id: string;
  type: string;
  text: string;
  json: unknown;
  problem?: string;
  onText: (text: string) => void;
  onJson: (value: unknown, valid: boolean) => void;
}

export function DefaultValueInput({ id, type, text, json, problem, onText, onJson }: DefaultValueInputProps) {
  if (type === "json") return <JsonInput label="Default value" value={json} onChange={onJson} rows={3} hint="Any JSON value; empty for none." />;
  const common = {
    id,
    value: text,
    "aria-invalid": problem ? true : undefined,
    "aria-describedby": `${id}-help`,
  } as const;
  let input;
  if (type === "boolean") {
    input = (
      <select {...common} onChange={(event) => onText(event.target.value)}>
        <option value="">No default</option>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  } else if (type === "text") {
    input = <textarea {...common} rows={2} onChange={(event) => onText(event.target.value)} />;
  } else {
    input = <input {...common} {...inputAttrsOf(type)} spellCheck={false} onChange={(event) => onText(event.target.value)} />;
  }
  return (
    <div className="field">
      <label htmlFor={id}>Default value</label>
      {input}
      <small id={`${id}-help`} className={problem ? "help help-error" : "help"}>
        {problem ?? (type === "timestamp" ? "In your local time; stored in UTC." : "Used when an item is created without this field. Empty for none.")}
      </small>
    </div>
  );
}
