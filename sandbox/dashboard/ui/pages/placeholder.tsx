/** A page in the nav that is not built yet. */
import { strings } from '../strings';

export function Placeholder() {
  return (
    <section class="panel">
      <p class="muted">{strings().notBuilt}</p>
    </section>
  );
}
