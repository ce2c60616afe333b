/**
 * Typed calls to the kit's cloud functions. The request and result types come from the shared
 * contract (typings/paykit), so call sites need no casts:
 *
 *   const { orderNo, payment } = await callPaykit('unifiedOrder', { items });
 *
 * A kit failure (`{ ok: false, code, message }`) and a transport failure both reject with PaykitError.
 */
import type { PaykitFunctionName, PaykitFunctions } from '../../typings/paykit/functions';
import type { PaykitResponse, RefundRefusalDetail } from '../../typings/paykit/errors';
import { getPaykitConfig } from './config';
import { PaykitError, isPaykitErrorCode, isStateConflict } from './errors';
import { invokeCloud, invokeLocal } from './transport';

function isPaykitResponse(value: unknown): value is PaykitResponse<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const response = value as { ok?: unknown; data?: unknown; code?: unknown };
  return response.ok === true
    ? 'data' in response
    : response.ok === false && typeof response.code === 'string';
}

/** A failure's `refusal` as the server sent it, if it is one (the wire is untyped). */
function refusalOf(value: unknown): RefundRefusalDetail | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { reason, notEnough } = value as { reason?: unknown; notEnough?: unknown };
  return typeof reason === 'string' && typeof notEnough === 'boolean' ? { reason, notEnough } : undefined;
}

export async function callPaykit<K extends PaykitFunctionName>(
  name: K,
  request: PaykitFunctions[K]['request'],
): Promise<PaykitFunctions[K]['result']> {
  const config = getPaykitConfig();
  const raw =
    config.mode === 'local' ? await invokeLocal(name, request, config) : await invokeCloud(name, request);
  if (!isPaykitResponse(raw))
    throw new PaykitError('BAD_RESPONSE', `${name} answered ${JSON.stringify(raw)}`);
  if (!raw.ok) {
    // An unknown code means the server is newer than this client: still a failure, shown generically.
    const code = isPaykitErrorCode(raw.code) ? raw.code : 'INTERNAL';
    const retryAt = typeof raw.retryAt === 'number' ? raw.retryAt : undefined;
    const conflict = isStateConflict(raw.conflict) ? raw.conflict : undefined;
    throw new PaykitError(code, raw.message, { retryAt, refusal: refusalOf(raw.refusal), conflict });
  }
  // The wire is untyped; the contract in typings/paykit is what both sides compile against.
  return raw.data as PaykitFunctions[K]['result'];
}
