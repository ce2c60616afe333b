/**
 * payNotify (APIv3): WeChat Pay's payment notification, through CloudBase's HTTP access service (an
 * HTTP route with authentication off points here). Verifies the signature on the raw body,
 * decrypts, confirms with WeChat, then answers 2xx, 4xx for a forgery, or 5xx to be delivered again.
 */
import { initCloud } from '../common/context';
import { notifyFunction } from '../common/providers/apiv3/notify';

initCloud();

export const main = notifyFunction('payment');
