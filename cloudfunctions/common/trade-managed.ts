/**
 * Whether WeChat manages this mini-program's orders (发货信息管理服务, rolled out per account). An
 * account that is not enrolled answers 48001 to every shipping API, is_trade_managed included;
 * the kit then records shipping locally without calling WeChat. The answer is cached per function
 * instance: an enrolment does not come and go, but a newly enrolled account should be noticed.
 */
import type { InvocationTime } from './invocation-time';
import { isTradeManaged } from './shipping-wechat';

/** WeChat's "api unauthorized": the account is not enrolled. */
export const NOT_ENROLLED = 48001;
/** How long an answer is kept: an hour for enrolled, ten minutes for not (an enrolment may arrive). */
export const MANAGED_TTL_MS = 3600_000;
export const UNMANAGED_TTL_MS = 10 * 60_000;

const known = new Map<string, { managed: boolean; until: number }>();

/**
 * True unless WeChat says the account is not enrolled. An inconclusive answer (busy, network)
 * counts as enrolled and is not cached: the upload itself then answers 48001 if it is not.
 */
export async function tradeManaged(
  time: InvocationTime,
  appid: string,
  now = performance.now(),
): Promise<boolean> {
  const cached = known.get(appid);
  if (cached && cached.until > now) return cached.managed;
  const answer = await isTradeManaged(time, appid);
  if (answer.ok) remember(appid, answer.data, now);
  else if (answer.errcode === NOT_ENROLLED) remember(appid, false, now);
  return answer.ok ? answer.data : answer.errcode !== NOT_ENROLLED;
}

/** What a shipping API answered about the enrolment (48001 on an upload). */
export function remember(appid: string, managed: boolean, now = performance.now()): void {
  known.set(appid, { managed, until: now + (managed ? MANAGED_TTL_MS : UNMANAGED_TTL_MS) });
}
