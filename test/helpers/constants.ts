/** Fixed values the suites share: one name, one meaning. */

/** The sub-merchant number the pay suites and the kit's functions use (WeChat's documented example). */
export const SUB_MCH_ID = '1900000109';

/** 2024-03-15 12:00:00 Beijing (04:00 UTC): the fixed trade day of the pay suites. */
export const TRADE_DAY_NOON = Date.UTC(2024, 2, 15, 4, 0, 0);

/** 2024-03-16 10:00:00 Beijing: the first moment WeChat serves the bill of TRADE_DAY_NOON's day. */
export const TRADE_DAY_BILL_READY = Date.UTC(2024, 2, 16, 2, 0, 0);

/** WeChat Pay's official v2 signing vectors (reference §12): the fields, their stringA, key and signs. */
export const SIGN_VECTOR = {
  key: '192006250b4c09247ec02edce69f6a2d',
  fields: {
    appid: 'wxd930ea5d5a258f4f',
    mch_id: '10000100',
    device_info: '1000',
    body: 'test',
    nonce_str: 'ibuaiVcKdpRxkhJA',
  },
  stringA: 'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA',
  md5: '9A0A8659F005D6984697E2CA0A9CF3B7',
  hmacSha256: '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6',
};

/** The official wx.requestPayment paySign vector (MD5). */
export const PAY_SIGN_VECTOR = {
  key: 'qazwsxedcrfvtgbyhnujmikolp111111',
  fields: {
    appId: 'wxd678efh567hg6787',
    nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS',
    package: 'prepay_id=wx2017033010242291fcfe0db70013231072',
    signType: 'MD5' as const,
    timeStamp: '1490840662',
  },
  paySign: '22D9B4E54AB1950F51E0649E8810ACD6',
};
