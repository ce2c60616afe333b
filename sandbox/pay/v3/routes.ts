/**
 * The APIv3 paths (reference §11 "Hosts/paths") → their handler and the fault name that disturbs it
 * (`fault v3.jsapi SYSTEM_ERROR`; `*` covers these and cloudPay's).
 */
import type { BillDownloads } from './bills';
import { encryptResource, gcmNonce } from './cipher';
import { paramError, V3Error } from './errors';
import { closeOrder, jsapiOrder, queryOrder } from './orders';
import { createRefund, queryRefund } from './refunds';
import { rfc3339 } from './resources';
import type { V3Scope } from './scope';
import { parseJsonBody, type Json } from './validate';

export const V3_APIS = [
  'v3.jsapi',
  'v3.queryOrder',
  'v3.closeOrder',
  'v3.refund',
  'v3.queryRefund',
  'v3.tradebill',
  'v3.billdownload',
  'v3.certificates',
] as const;

export type V3Api = (typeof V3_APIS)[number];

export type V3Result =
  { status: 200; json: Json } | { status: 204 } | { status: 200; file: Buffer; contentType: string };

export interface V3Request {
  method: string;
  pathname: string;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  userAgent: string | undefined;
}

function hasNull(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== 'object') return false;
  return Object.values(value as Record<string, unknown>).some(hasNull);
}

function segments(pathname: string): string[] {
  try {
    return pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw paramError('请求路径格式错误', { location: 'path', value: pathname });
  }
}

/** The handler of a request, or undefined for a path WeChat Pay does not serve. */
export function resolveRoute(
  req: V3Request,
  scope: V3Scope,
  deps: { bills: BillDownloads; baseUrl: string },
): { api: V3Api; run: () => V3Result } | undefined {
  const { method, query } = req;
  if (scope.config.requireUserAgent && !req.userAgent) {
    throw new V3Error(400, 'INVALID_REQUEST', 'Http头缺少User-Agent', {
      location: 'header',
      field: 'User-Agent',
    });
  }
  const parts = segments(req.pathname);
  const key = `${method} /${parts.join('/')}`;
  const json = (): Json => {
    // §1.5: `application/json; charset=utf-8` is what axios-plugin sends.
    if (!/^application\/json\s*(;|$)/i.test(req.contentType)) {
      throw new V3Error(400, 'INVALID_REQUEST', 'Content-Type必须为application/json');
    }
    const body = parseJsonBody(req.body);
    if (scope.config.rejectJsonNull && hasNull(body)) {
      throw paramError('请求参数不能为null，不需要的字段请不要传', { location: 'body' });
    }
    return body;
  };
  const ok = (value: Json): V3Result => ({ status: 200, json: value });
  const tx = parts[0] === 'v3' && parts[1] === 'pay' && parts[2] === 'transactions';
  if (key === 'POST /v3/pay/transactions/jsapi')
    return { api: 'v3.jsapi', run: () => ok(jsapiOrder(scope, json())) };
  if (tx && method === 'GET' && parts.length === 5 && (parts[3] === 'id' || parts[3] === 'out-trade-no')) {
    const by = parts[3];
    return { api: 'v3.queryOrder', run: () => ok(queryOrder(scope, by, parts[4], query)) };
  }
  if (tx && method === 'POST' && parts.length === 6 && parts[3] === 'out-trade-no' && parts[5] === 'close') {
    return { api: 'v3.closeOrder', run: () => (closeOrder(scope, parts[4], json()), { status: 204 }) };
  }
  if (key === 'POST /v3/refund/domestic/refunds') {
    return { api: 'v3.refund', run: () => ok(createRefund(scope, json()).answer) };
  }
  if (method === 'GET' && parts.length === 5 && key.startsWith('GET /v3/refund/domestic/refunds/')) {
    return { api: 'v3.queryRefund', run: () => ok(queryRefund(scope, parts[4])) };
  }
  if (key === 'GET /v3/bill/tradebill') {
    return { api: 'v3.tradebill', run: () => ok(deps.bills.apply(scope, query, deps.baseUrl)) };
  }
  if (key === 'GET /v3/billdownload/file') {
    return {
      api: 'v3.billdownload',
      run: () => {
        const { body, contentType } = deps.bills.download(scope, query);
        return { status: 200, file: body, contentType };
      },
    };
  }
  if (key === 'GET /v3/certificates') return { api: 'v3.certificates', run: () => ok(certificates(scope)) };
  return undefined;
}

/** §2.3: the platform certificates, each encrypted with the APIv3 key (AAD `certificate`). */
function certificates(scope: V3Scope): Json {
  const { merchant, config } = scope;
  if (!merchant.hasPlatformCertificate) {
    const status = config.certificatesWithoutPlatformCert;
    if (status === 500) throw new V3Error(500, 'SYSTEM_ERROR', '系统错误');
    if (status === 403) throw new V3Error(403, 'NO_AUTH', '商户未开通平台证书');
    throw new V3Error(
      404,
      'RESOURCE_NOT_EXISTS',
      '无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥',
    );
  }
  const nonce = gcmNonce();
  return {
    data: [
      {
        serial_no: merchant.platformSerial,
        effective_time: rfc3339(merchant.platformEffectiveAt),
        expire_time: rfc3339(merchant.platformExpiresAt),
        encrypt_certificate: {
          algorithm: 'AEAD_AES_256_GCM',
          nonce,
          associated_data: 'certificate',
          ciphertext: encryptResource(
            merchant.apiV3Key,
            nonce,
            'certificate',
            merchant.platformCertificatePem,
          ),
        },
      },
    ],
  };
}
