/**
 * Building WeChat Pay v2 answers (snake_case, as the cloud backend sends them before the SDK camelCases):
 * the two-level result (return_code → result_code, reference §11.4), the common identity fields and the
 * v2 `sign`. A failure answer found by validation or a business check is thrown as a
 * `PayApiFailure` carrying the finished answer, which the service returns as it is.
 */
import type { PayConfig } from './config';
import { nonceStr } from './ids';
import { sign } from './sign';

export type Fields = Record<string, unknown>;

/** A call that ends in a failure answer (return_code or result_code FAIL); `fields` is that answer. */
export class PayApiFailure extends Error {
  constructor(readonly fields: Fields) {
    super(String(fields.err_code_des ?? fields.return_msg ?? 'FAIL'));
    this.name = 'PayApiFailure';
  }
}

/** Communication-level failure: return_code FAIL, only return_msg is meaningful. */
export function returnFail(message: string, extra: Fields = {}): PayApiFailure {
  return new PayApiFailure({ return_code: 'FAIL', return_msg: message, ...extra });
}

export interface Party {
  subMchId: string;
  subAppid?: string;
}

/** return_code SUCCESS plus the identities every v2 answer carries. */
export function base(config: PayConfig, party: Party): Fields {
  const fields: Fields = {
    return_code: 'SUCCESS',
    return_msg: 'OK',
    appid: config.providerAppid,
    mch_id: config.providerMchId,
    sub_mch_id: party.subMchId,
    nonce_str: nonceStr(),
  };
  if (party.subAppid) fields.sub_appid = party.subAppid;
  return fields;
}

export function succeed(config: PayConfig, party: Party, fields: Fields): Fields {
  return signed(config, { ...base(config, party), result_code: 'SUCCESS', ...fields });
}

/** Business failure: result_code FAIL with err_code / err_code_des (the SDK later hides err_code, §1). */
export function bizFail(
  config: PayConfig,
  party: Party,
  errCode: string,
  des: string,
  extra: Fields = {},
): PayApiFailure {
  return new PayApiFailure(
    signed(config, {
      ...base(config, party),
      result_code: 'FAIL',
      err_code: errCode,
      err_code_des: des,
      ...extra,
    }),
  );
}

export function signed(config: PayConfig, fields: Fields): Fields {
  return { ...fields, sign: sign(fields, config.apiKey, config.signType) };
}
