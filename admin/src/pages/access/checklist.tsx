// A fieldset of checkboxes choosing a set of ids (policies of a role or user, roles of a policy).
import type { ReactNode } from "react";

export interface ChecklistOption {
  id: string;
  label: ReactNode;
  /** Shown after the label, e.g. an "admin" badge. */
  extra?: ReactNode;
}

export function Checklist({ legend, options, selected, onChange, empty }: { legend: string; options: ChecklistOption[]; selected: Set<string>; onChange: (next: Set<string>) => void; empty: string }) {
  const toggle = (id: string, on: boolean) => {
    const next = new Set(selected);
    if (on) next.add(id);
    else next.delete(id);
    onChange(next);
  };
  return (
    <fieldset className="field checklist">
      <legend>{legend}</legend>
      {options.length === 0 ? (
        <p className="help">{empty}</p>
      ) : (
        options.map((option) => (
          <label key={option.id} className="check">
            <input type="checkbox" checked={selected.has(option.id)} onChange={(event) => toggle(option.id, event.target.checked)} />
            <span>{option.label}</span>
            {option.extra}
          </label>
        ))
      )}
    </fieldset>
  );
}
