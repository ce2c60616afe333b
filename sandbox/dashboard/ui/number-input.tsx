/**
 * A whole number typed into a form, kept as typed: the route or the kit's function judges it and
 * names the field when it is not one (an empty field must not become a route's default).
 */
export function NumberInput({
  name,
  value,
  onValue,
}: {
  name: string;
  value: string;
  onValue: (text: string) => void;
}) {
  return (
    <input
      name={name}
      inputMode="numeric"
      value={value}
      onInput={(e) => onValue((e.target as HTMLInputElement).value)}
    />
  );
}
