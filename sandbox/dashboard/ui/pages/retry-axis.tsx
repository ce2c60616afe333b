/**
 * One notification's retry schedule on a time axis, hand-drawn in SVG: every delivery attempt as a
 * dot coloured by its answer, the retries still planned (WeChat Pay's schedule from the last
 * planned attempt) as hollow ticks, and now. The schedule spans 15 s to 6 h, so the axis is
 * logarithmic in the time since the notification was created.
 */
import type { DeliveryView, NotificationView } from '../../../../typings/sandbox/callbacks';
import { beijingTime } from '../format';
import { fill, strings } from '../strings';

const WIDTH = 880;
const HEIGHT = 96;
const PAD = 28;
const AXIS_Y = 48;
/** How many planned retries beyond the next are drawn. */
const PLANNED_AHEAD = 3;

/** When attempt n (1-based) is planned: the first at creation, each next one schedule[n-2] after it. */
export function plannedTimes(createdAt: number, schedule: readonly number[], upTo: number): number[] {
  const times = [createdAt];
  for (let n = 2; n <= Math.min(upTo, schedule.length + 1); n++) times.push(times[n - 2] + schedule[n - 2]);
  return times;
}

function label(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `+${s}s`;
  if (s < 3600) return `+${Math.round(s / 60)}m`;
  return `+${(s / 3600).toFixed(s % 3600 ? 1 : 0)}h`;
}

export function RetryAxis(props: {
  notification: NotificationView;
  deliveries: DeliveryView[];
  schedule: readonly number[];
  now: number;
}) {
  const { notification: n, deliveries, schedule, now } = props;
  const s = strings();
  const planned = plannedTimes(n.createdAt, schedule, n.attempts + 1 + PLANNED_AHEAD);
  const future = n.status === 'pending' || n.status === 'held' ? planned.slice(n.attempts) : [];
  const last = Math.max(now, n.nextAt ?? 0, ...future, ...deliveries.map((d) => d.startedAt));
  const span = Math.log1p(Math.max(last - n.createdAt, 1000) / 1000);
  const x = (at: number) =>
    PAD + ((WIDTH - 2 * PAD) * Math.log1p(Math.max(at - n.createdAt, 0) / 1000)) / span;
  return (
    <svg
      class="retry-axis"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label={fill(s.cbScheduleOf, { id: n.id })}
      data-notification={n.id}
    >
      <line class="axis" x1={PAD} y1={AXIS_Y} x2={WIDTH - PAD} y2={AXIS_Y} />
      {future.map((at, i) => (
        <g key={`p${i}`} class={at === n.nextAt ? 'planned next' : 'planned'} data-planned={at}>
          <circle cx={x(at)} cy={AXIS_Y} r={6} />
          <text x={x(at)} y={AXIS_Y + 26}>
            {label(at - n.createdAt)}
          </text>
          <title>{`${s.cbPlanned} ${beijingTime(at)}`}</title>
        </g>
      ))}
      {deliveries.map((d) => (
        <g
          key={d.id}
          class={`attempt outcome-${d.outcome}`}
          data-attempt={d.attempt}
          data-outcome={d.outcome}
        >
          <circle cx={x(d.startedAt)} cy={AXIS_Y - (d.duplicate ? 12 : 0)} r={7} />
          <text x={x(d.startedAt)} y={AXIS_Y - 16 - (d.duplicate ? 12 : 0)}>
            {`#${d.attempt}`}
          </text>
          <title>{`#${d.attempt} ${s.cbOutcome[d.outcome]} ${beijingTime(d.startedAt)}`}</title>
        </g>
      ))}
      <g class="now">
        <line x1={x(now)} y1={AXIS_Y - 30} x2={x(now)} y2={AXIS_Y + 12} />
        <text x={x(now)} y={HEIGHT - 4}>
          {s.cbNow}
        </text>
      </g>
    </svg>
  );
}
