/**
 * Faults: add an API fault for cloudPay or APIv3 from choices that are only the valid ones (the
 * targets and errors the pay control checks against, `GET /sandbox/dashboard/fault-choices`), see
 * the armed ones with what is left of each, and clear them all (`DELETE /sandbox/pay/faults`).
 */
import { useState } from 'preact/hooks';
import type { Overview } from '../../../../typings/sandbox/dashboard';
import type { FaultChoices, FaultTargetView } from '../../../../typings/sandbox/dashboard-tools';
import { del, get, post } from '../api';
import { useLiveData } from '../data';
import { fill, strings } from '../strings';
import { attempt, showDone } from '../toast';
import { errorMessage } from '../errors';

/** Only a timeout can happen after WeChat carried the request out. */
const AFTER_PROCESSING_ERRORS = ['TIMEOUT'];
/** The fault that answers correctly, late: it takes a delay. */
const SLOW = 'SLOW';

export function FaultsPage() {
  const s = strings();
  const choices = useLiveData(() => get<FaultChoices>('/sandbox/dashboard/fault-choices'), [], []);
  const faults = useLiveData(() => get<Overview['faults']>('/sandbox/pay/faults'), [], ['faults']);
  return (
    <div class="stack tools faults-page">
      <h1>{s.faultTitle}</h1>
      <div class="grid">
        {choices.data && <FaultForm targets={choices.data.targets} />}
        {choices.error && <p class="error-text">{`${choices.error.code}: ${errorMessage(choices.error)}`}</p>}
        <section class="panel" aria-labelledby="armed-faults-title">
          <h2 id="armed-faults-title">{s.activeFaults}</h2>
          {faults.data && !faults.data.api.length && !faults.data.callbacks.length && (
            <p class="muted">{s.noFaults}</p>
          )}
          <ul class="plain">
            {faults.data?.api.map((f) => (
              <li key={f.id} data-fault={f.api} data-error={f.error}>
                <code>{f.api}</code> → <code>{f.error}</code> {fill(s.faultRemaining, { n: f.remaining })}
                {f.afterProcessing && <small class="muted"> ({s.faultAfterProcessing})</small>}
                {f.delayMs > 0 && <small class="muted"> ({fill(s.faultSlowBy, { ms: f.delayMs })})</small>}
              </li>
            ))}
            {faults.data?.callbacks.map((f) => (
              <li key={`c${f.id}`} data-callback-fault={f.mode}>
                {s.callbackFault}: {s.cbModes[f.mode]} {fill(s.faultRemaining, { n: f.remaining })}
              </li>
            ))}
          </ul>
          <button
            type="button"
            class="danger"
            data-action="clear"
            onClick={() => attempt(() => del('/sandbox/pay/faults'), s.faultCleared)}
          >
            {s.faultClear}
          </button>
        </section>
      </div>
    </div>
  );
}

function FaultForm({ targets }: { targets: FaultTargetView[] }) {
  const s = strings();
  const [api, setApi] = useState(targets[0]?.api ?? '*');
  const target = targets.find((t) => t.api === api) ?? targets[0];
  const [error, setError] = useState(target?.errors[0] ?? '');
  const errorNow = target?.errors.includes(error) ? error : (target?.errors[0] ?? '');
  const families = [...new Set(targets.map((t) => t.family))];
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    // Sent as typed: the pay control says what a count or a delay must be.
    const typed = (name: string) => {
      const text = String(form.get(name) ?? '').trim();
      return /^\d+$/.test(text) ? Number(text) : text;
    };
    const body = {
      api,
      error: errorNow,
      count: typed('count'),
      afterProcessing: AFTER_PROCESSING_ERRORS.includes(errorNow) && form.get('afterProcessing') === 'on',
      ...(errorNow === SLOW ? { delayMs: typed('delayMs') } : {}),
    };
    void attempt(async () => {
      const { fault } = await post<{ fault: { id: number } }>('/sandbox/pay/faults', body);
      showDone(fill(s.faultAdded, { id: fault.id }));
    });
  };
  return (
    <form class="panel stack" onSubmit={submit} aria-labelledby="add-fault-title">
      <h2 id="add-fault-title">{s.faultAdd}</h2>
      <label>
        {s.faultApi}{' '}
        <select name="api" value={api} onChange={(e) => setApi((e.target as HTMLSelectElement).value)}>
          {families.map((family) => (
            <optgroup key={family} label={s.faultFamilies[family] ?? family}>
              {targets
                .filter((t) => t.family === family)
                .map((t) => (
                  <option key={t.api} value={t.api}>
                    {t.api}
                  </option>
                ))}
            </optgroup>
          ))}
        </select>
      </label>
      <label>
        {s.faultError}{' '}
        <select
          name="error"
          value={errorNow}
          onChange={(e) => setError((e.target as HTMLSelectElement).value)}
        >
          {(target?.errors ?? []).map((err) => (
            <option key={err} value={err}>
              {err}
            </option>
          ))}
        </select>
      </label>
      <label>
        {s.faultCount} <input name="count" inputMode="numeric" defaultValue="1" />
      </label>
      {errorNow === SLOW && (
        <label>
          {s.faultDelayMs} <input name="delayMs" inputMode="numeric" defaultValue="3000" />
        </label>
      )}
      {AFTER_PROCESSING_ERRORS.includes(errorNow) && (
        <label>
          <input type="checkbox" name="afterProcessing" /> {s.faultAfterProcessing}
        </label>
      )}
      <button type="submit" data-action="add-fault">
        {s.faultAdd}
      </button>
    </form>
  );
}
