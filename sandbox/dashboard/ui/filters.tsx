/**
 * The list pages' filter forms. The filter lives in the address (a filtered list can be reloaded or
 * shared): submitting navigates to the page's route with the form's non-empty fields as the query.
 * Give the form `key={the current filter}` so that its fields start again from the address.
 * The fields are the person's until then: they start from the address (`defaultValue`, an option's
 * `selected`) and are never set again while the form lives. A `value` would be: Preact puts a field
 * back to its `value` prop at every render, and the list under the form renders whenever its data
 * arrives or the live stream refreshes it, so what someone had typed or picked would vanish.
 */
import type { ComponentChildren } from 'preact';
import { href, navigate } from './router';
import { strings } from './strings';

export function FilterForm({ route, children }: { route: string; children: ComponentChildren }) {
  const submit = (e: Event) => {
    e.preventDefault();
    const params: Record<string, string | undefined> = {};
    new FormData(e.target as HTMLFormElement).forEach((value, name) => {
      params[name] = String(value).trim() || undefined;
    });
    navigate(href([route], params));
  };
  return (
    <form class="filters row" onSubmit={submit}>
      {children}
      <button type="submit">{strings().filter}</button>
    </form>
  );
}

/** A select whose first choice, "all", leaves the field out of the filter. */
export function FilterSelect(props: {
  label: string;
  name: string;
  value: string | undefined;
  choices: ReadonlyArray<{ value: string; label: string }>;
}) {
  return (
    <label>
      {props.label}{' '}
      <select name={props.name}>
        <option value="" selected={!props.value}>
          {strings().all}
        </option>
        {props.choices.map((c) => (
          <option key={c.value} value={c.value} selected={c.value === props.value}>
            {c.label}
          </option>
        ))}
      </select>
    </label>
  );
}
