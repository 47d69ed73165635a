// A textarea for JSON values (filters, presets, validation) that says what is wrong before saving.
import { useId, useState } from "react";

export interface JsonInputProps {
  label: string;
  value: unknown;
  onChange: (value: unknown, valid: boolean) => void;
  hint?: string;
  rows?: number;
  /** What an empty box means (default: null). */
  emptyValue?: unknown;
}

const show = (value: unknown) => (value === null || value === undefined ? "" : JSON.stringify(value, null, 2));

export function JsonInput({ label, value, onChange, hint, rows = 6, emptyValue = null }: JsonInputProps) {
  const id = useId();
  const [text, setText] = useState(() => show(value));
  const [problem, setProblem] = useState<string>();
  const change = (next: string) => {
    setText(next);
    if (next.trim() === "") {
      setProblem(undefined);
      return onChange(emptyValue, true);
    }
    try {
      const parsed = JSON.parse(next);
      setProblem(undefined);
      onChange(parsed, true);
    } catch (error) {
      setProblem(`Not valid JSON: ${(error as Error).message}`);
      onChange(undefined, false);
    }
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} className="code" rows={rows} value={text} spellCheck={false} aria-invalid={problem ? true : undefined} aria-describedby={`${id}-help`} onChange={(event) => change(event.target.value)} />
      <small id={`${id}-help`} className={problem ? "help help-error" : "help"}>
        {problem ?? hint}
      </small>
    </div>
  );
}
