import { paykitOptions } from './paykit-options';
import { configurePaykit } from './paykit/config';

App({
  onLaunch() {
    const config = configurePaykit(paykitOptions);
    if (config.mode === 'cloud') {
      wx.cloud.init({ traceUser: true, ...(config.env ? { env: config.env } : {}) });
    }
  },
});
