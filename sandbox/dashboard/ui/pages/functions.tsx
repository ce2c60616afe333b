/**
 * Functions: every cloud function invocation (`GET /sandbox/logs`), newest first, with its caller,
 * duration, cold or warm start, the cloud API calls it made, its console output and error, and a
 * chaos kill; filtered by function and user, and live as invocations come in.
 */
import type { Overview } from '../../../../typings/sandbox/dashboard';
import type { InvocationView } from '../../../../typings/sandbox/dashboard-tools';
import { get, query } from '../api';
import { useLiveData } from '../data';
import { beijingTime } from '../format';
import { href } from '../router';
import { FilterForm, FilterSelect } from '../filters';
import { fill, strings } from '../strings';
import type { PageProps } from './index';
import { errorMessage } from '../errors';

/** The newest this many invocations are shown (the sandbox keeps 2000). */
const LOG_LIMIT = 100;

export function FunctionsPage({ route }: PageProps) {
  const s = strings();
  const filter = {
    name: route.params.get('name') ?? undefined,
    openid: route.params.get('openid') ?? undefined,
  };
  const key = JSON.stringify(filter);
  const overview = useLiveData(() => get<Overview>('/sandbox/dashboard/overview'), [], []);
  const { data, error } = useLiveData(
    () => get<{ logs: InvocationView[] }>(`/sandbox/logs${query({ ...filter, limit: LOG_LIMIT })}`),
    [key],
    ['invocation'],
  );
  const logs = data?.logs.slice().reverse();
  return (
    <section class="panel tools functions-page">
      <h1>{s.fnTitle}</h1>
      <FilterForm route="functions" key={key}>
        <FilterSelect
          label={s.fnFunction}
          name="name"
          value={filter.name}
          choices={(overview.data?.functions ?? []).map((f) => ({ value: f, label: f }))}
        />
        <label>
          {s.user}{' '}
          <input
            name="openid"
            list="local-users"
            defaultValue={filter.openid ?? ''}
            placeholder={s.fnAnyUser}
          />
          <datalist id="local-users">
            {(overview.data?.users ?? []).map((u) => (
              <option key={u.openid} value={u.openid}>
                {u.name}
              </option>
            ))}
          </datalist>
        </label>
      </FilterForm>
      {error && <p class="error-text">{`${error.code}: ${errorMessage(error)}`}</p>}
      {!logs && !error && <p class="muted">{s.loading}</p>}
      {logs && !logs.length && <p class="muted">{s.empty}</p>}
      {logs && logs.length > 0 && (
        <table class="table invocations">
          <thead>
            <tr>
              <th scope="col">{s.fnStartedAt}</th>
              <th scope="col">{s.fnFunction}</th>
              <th scope="col">{s.fnCaller}</th>
              <th scope="col" class="num">
                {s.fnDuration}
              </th>
              <th scope="col">{s.fnCalls}</th>
              <th scope="col">{s.fnConsole}</th>
            </tr>
          </thead>
          <tbody>
            {logs.map((r) => (
              <Invocation key={r.requestId} record={r} />
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Invocation({ record: r }: { record: InvocationView }) {
  const s = strings();
  const failed = r.error !== undefined || r.chaosKill !== undefined;
  return (
    <tr
      data-invocation={r.requestId}
      data-function={r.name}
      data-start={r.cold ? 'cold' : 'warm'}
      class={failed ? 'failed' : undefined}
    >
      <td>{beijingTime(r.startedAt)}</td>
      <td>
        <a href={href(['functions'], { name: r.name })}>
          <code>{r.name}</code>
        </a>
      </td>
      <td>
        {r.caller.openid ? (
          <a href={href(['functions'], { openid: r.caller.openid })}>
            <code>{r.caller.openid}</code>
          </a>
        ) : (
          '—'
        )}{' '}
        <small class="muted">{r.caller.source}</small>
      </td>
      <td class="num">
        {`${r.durationMs} ms `}
        <span class={r.cold ? 'tag cold' : 'tag warm'}>{r.cold ? s.fnCold : s.fnWarm}</span>
      </td>
      <td>
        <small>{fill(s.fnCallsDetail, r.calls)}</small>
      </td>
      <td>
        {r.chaosKill && (
          <p class="error-text">
            {fill(s.fnKilled, {
              call: r.chaosKill.call,
              phase: r.chaosKill.phase === 'before' ? s.fnBefore : s.fnAfter,
            })}
          </p>
        )}
        {r.error !== undefined && (
          <p class="error-text">
            {s.fnError}: <code>{r.error}</code>
          </p>
        )}
        {r.logs.length > 0 && (
          <details>
            <summary>{`${s.fnConsole} (${r.logs.length})`}</summary>
            <pre class="console">{r.logs.map((l) => `[${l.level}] ${l.message}`).join('\n')}</pre>
          </details>
        )}
      </td>
    </tr>
  );
}
