/**
 * Hash routing (`/#/orders?status=NOTPAY`, `/#/orders/PK…`): the server serves one page, and every
 * view has an address that can be reloaded, bookmarked and opened in a new tab.
 */
import { signal } from './signal';

export interface Route {
  /** Path segments after `#/`: [] is the overview, ['orders', 'PK…'] an order. */
  parts: string[];
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const [path, search = ''] = hash.replace(/^#\/?/, '').split('?');
  return {
    parts: path.split('/').filter(Boolean).map(decodeURIComponent),
    params: new URLSearchParams(search),
  };
}

export const route = signal<Route>(parse(location.hash));

window.addEventListener('hashchange', () => route.set(parse(location.hash)));

/** The address of a view: href('orders', 'PK…'), with optional query values (unset ones left out). */
export function href(parts: string[], params: Record<string, string | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const search = q.toString();
  return `#/${parts.map(encodeURIComponent).join('/')}${search ? `?${search}` : ''}`;
}

export function navigate(to: string): void {
  location.hash = to;
}
