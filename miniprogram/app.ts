import { paykitOptions } from './paykit-options';
import { configurePaykit } from './paykit/config';
import { receiptReturned } from './paykit/receipt';

App({
  onLaunch() {
    const config = configurePaykit(paykitOptions);
    if (config.mode === 'cloud') {
      wx.cloud.init({ traceUser: true, ...(config.env ? { env: config.env } : {}) });
    }
  },
  /** Back from WeChat's confirm-receipt component: the server checks, the order page hears. */
  onShow(options) {
    void receiptReturned(options);
  },
});
