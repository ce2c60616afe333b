/**
 * Controls of the APIv3 emulation and the HTTP access service: the test merchant (public view, key
 * registration, signing mode), the v3 settings, and the access routes.
 */
import type { IncomingMessage, ServerResponse } from 'http';
import { normalizeRoute } from '../access/routes';
import { SandboxError } from '../errors';
import { badRequest, readJson, requireString, sendJson } from '../http';
import { registerMerchantKey, saveMerchant, type MerchantProfile } from '../merchant';
import { v3ConfigProblem, type V3Config } from '../pay/v3/config';
import type { Sandbox } from '../server';

/** The merchant without its private keys. */
function publicView(m: MerchantProfile): Record<string, unknown> {
  return {
    mchid: m.mchid,
    appid: m.appid,
    apiV3Key: m.apiV3Key,
    merchantSerial: m.merchantSerial,
    merchantKeys: m.merchantKeys.map((k) => ({ serial: k.serial, source: k.source })),
    publicKeyId: m.publicKeyId,
    publicKeyPem: m.publicKeyPem,
    platformSerial: m.platformSerial,
    platformCertificatePem: m.platformCertificatePem,
    signMode: m.signMode,
    hasPlatformCertificate: m.hasPlatformCertificate,
  };
}

export async function handleV3Control(
  sandbox: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  area: 'v3' | 'access',
  rest: string[],
): Promise<void> {
  const route = `${req.method ?? 'GET'} ${area}/${rest.join('/')}`;
  switch (route) {
    case 'GET v3/merchant':
      return sendJson(res, 200, publicView(sandbox.v3.merchant()));
    case 'POST v3/merchant': {
      const body = await readJson(req);
      const merchant = { ...sandbox.v3.merchant() };
      if (body.signMode !== undefined) {
        if (body.signMode !== 'publicKey' && body.signMode !== 'certificate') {
          throw new SandboxError('INVALID_PARAM', 'signMode is publicKey or certificate', 400);
        }
        merchant.signMode = body.signMode;
      }
      // A user's real merchant number and appid, so their own configuration is what gets tested.
      if (typeof body.mchid === 'string' && /^\d{8,12}$/.test(body.mchid)) merchant.mchid = body.mchid;
      if (typeof body.appid === 'string' && /^wx[0-9A-Za-z]{10,30}$/.test(body.appid))
        merchant.appid = body.appid;
      if (body.hasPlatformCertificate !== undefined)
        merchant.hasPlatformCertificate = body.hasPlatformCertificate === true;
      saveMerchant(sandbox.dataDir, merchant);
      return sendJson(res, 200, publicView(sandbox.v3.merchant()));
    }
    case 'POST v3/merchant/keys': {
      const body = await readJson(req);
      const merchant = { ...sandbox.v3.merchant() };
      let key;
      try {
        key = registerMerchantKey(merchant, {
          pem: requireString(body, 'pem'),
          serial: typeof body.serial === 'string' ? body.serial : undefined,
        });
      } catch (err) {
        throw new SandboxError('INVALID_PARAM', (err as Error).message, 400);
      }
      saveMerchant(sandbox.dataDir, merchant);
      return sendJson(res, 200, { key: { serial: key.serial, source: key.source } });
    }
    case 'GET v3/requests':
      return sendJson(res, 200, { requests: sandbox.v3.requests });
    case 'GET v3/config':
      return sendJson(res, 200, sandbox.v3.config());
    case 'POST v3/config': {
      const body = await readJson(req);
      const problem = v3ConfigProblem(body);
      if (problem) throw badRequest(problem);
      return sendJson(res, 200, sandbox.v3.configure(body as Partial<V3Config>));
    }
    case 'GET access/config':
      return sendJson(res, 200, sandbox.access.config());
    case 'POST access/config': {
      const body = await readJson(req);
      return sendJson(res, 200, sandbox.access.configure({ base64Bodies: body.base64Bodies === true }));
    }
    case 'GET access/routes':
      return sendJson(res, 200, { domain: sandbox.access.domain(), routes: sandbox.access.routes.list() });
    case 'POST access/routes': {
      const body = await readJson(req);
      try {
        sandbox.access.routes.set(
          normalizeRoute(requireString(body, 'path'), requireString(body, 'function')),
        );
      } catch (err) {
        if (err instanceof SandboxError) throw err;
        throw new SandboxError('INVALID_PARAM', (err as Error).message, 400);
      }
      return sendJson(res, 200, { domain: sandbox.access.domain(), routes: sandbox.access.routes.list() });
    }
    default:
      throw new SandboxError('NOT_FOUND', `no control route ${route}`, 404);
  }
}
