/**
 * The sandbox clock: its reading, frozen or running, and the controls (freeze, resume, advance by
 * presets, set to a Beijing time), each through `POST /sandbox/clock` as the CLI does.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Overview } from '../../../typings/sandbox/dashboard';
import { BEIJING_OFFSET_MS } from '../../beijing';
import { ApiError, post } from './api';
import { beijingTime } from './format';
import { strings } from './strings';
import { attempt } from './toast';

/** Presets that cross the sandbox's interesting lines: the 5-minute close rule, the timer sweep, retries, the 30-minute expiry, a bill day. */
export const ADVANCE_PRESETS: Array<{ label: string; ms: number }> = [
  { label: '+1m', ms: 60_000 },
  { label: '+5m', ms: 5 * 60_000 },
  { label: '+15m', ms: 15 * 60_000 },
  { label: '+31m', ms: 31 * 60_000 },
  { label: '+2h', ms: 2 * 3600_000 },
  { label: '+1d', ms: 24 * 3600_000 },
];

const clockAction = (body: Record<string, unknown>) => post('/sandbox/clock', body);

/** The clock's reading now: a running clock moves on between the server's reports. */
function useReading(clock: Overview['clock']): number {
  const receivedAt = useMemo(() => Date.now(), [clock]);
  const [, setTick] = useState(0);
  useEffect(() => {
    if (clock.frozen) return undefined;
    const timer = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(timer);
  }, [clock]);
  return clock.frozen ? clock.now : clock.now + (Date.now() - receivedAt);
}

/** `2024-03-15 12:00[:00]` (or with `T`) in Beijing time as epoch ms; undefined unless a real instant. */
function parseBeijing(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const when = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0) - BEIJING_OFFSET_MS;
  // Date.UTC rolls 2024-02-30 over into March: only a time that reads back the same is one.
  const same = beijingTime(when) === `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}:${m[6] ?? '00'}`;
  return same ? when : undefined;
}

export function ClockPanel({ clock }: { clock: Overview['clock'] }) {
  const s = strings();
  const now = useReading(clock);
  const [at, setAt] = useState('');
  const submitSet = (e: Event) => {
    e.preventDefault();
    const when = parseBeijing(at);
    void attempt(() => {
      // Checked here, so the person is told in the UI's words what the field takes.
      if (when === undefined) throw new ApiError('BAD_TIME', `not a Beijing time: ${at}`, 0, { input: at });
      return clockAction({ action: 'set', at: when });
    });
  };
  return (
    <section class="panel clock" aria-labelledby="clock-title">
      <h2 id="clock-title">{s.clock}</h2>
      <p class="clock-now">
        <time data-now={clock.now}>{beijingTime(now)}</time>
        <span class={clock.frozen ? 'tag frozen' : 'tag'}>
          {clock.frozen ? s.clockFrozen : s.clockRunning}
        </span>
      </p>
      <div class="row">
        {clock.frozen ? (
          <button type="button" onClick={() => attempt(() => clockAction({ action: 'resume' }))}>
            {s.resume}
          </button>
        ) : (
          <button type="button" onClick={() => attempt(() => clockAction({ action: 'freeze' }))}>
            {s.freeze}
          </button>
        )}
        {ADVANCE_PRESETS.map((p) => (
          <button
            key={p.label}
            type="button"
            class="secondary"
            aria-label={`${s.advance} ${p.label}`}
            onClick={() => attempt(() => clockAction({ action: 'advance', ms: p.ms }))}
          >
            {p.label}
          </button>
        ))}
      </div>
      <form class="row" onSubmit={submitSet}>
        <label>
          {s.setTime}{' '}
          <input
            name="at"
            value={at}
            placeholder="2024-03-15 12:00"
            onInput={(e) => setAt((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="secondary">
          {s.apply}
        </button>
      </form>
    </section>
  );
}
