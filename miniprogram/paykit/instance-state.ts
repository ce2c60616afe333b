/**
 * State a page or component keeps for itself that the view does not need (a cursor, a timer), held
 * on the instance rather than in `data`, so it never goes through setData.
 */
const STATE = Symbol('paykit instance state');

/** The instance's own state, created by `init` on first use. */
export function instanceState<T extends object>(instance: object, init: () => T): T {
  const holder = instance as { [STATE]?: T };
  if (!holder[STATE]) holder[STATE] = init();
  return holder[STATE];
}
