/**
 * Buy as any local user (or any openid): the catalogue comes from `listProducts` and the order is
 * placed with `unifiedOrder`, both through the gateway as that user, exactly as the mini-program
 * (and the CLI's `buy --as`) does. The new order opens, ready for "pay as the payer".
 */
import { useState } from 'preact/hooks';
import type { ListProductsResult, UnifiedOrderResult } from '../../../../typings/paykit/functions';
import type { Overview } from '../../../../typings/sandbox/dashboard';
import { callAs, get } from '../api';
import { useLiveData } from '../data';
import { yuan } from '../format';
import { href, navigate } from '../router';
import { strings } from '../strings';
import { attempt } from '../toast';
import { errorMessage } from '../errors';

const OTHER = '__other';

export function BuyPage() {
  const s = strings();
  const users = useLiveData(() => get<Overview>('/sandbox/dashboard/overview'), [], []);
  const [as, setAs] = useState('');
  const [other, setOther] = useState('');
  const firstUser = users.data?.users[0]?.openid ?? '';
  const openid = (as || firstUser) === OTHER ? other.trim() : as || firstUser;
  const catalogue = useLiveData(
    () =>
      openid
        ? callAs<ListProductsResult>(openid, 'listProducts', { pageSize: 50 })
        : Promise.resolve(undefined),
    [openid],
    [],
  );
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const sku = String(form.get('sku') ?? '');
    const quantity = Number(form.get('quantity'));
    setBusy(true);
    let placed: UnifiedOrderResult | undefined;
    await attempt(async () => {
      placed = await callAs<UnifiedOrderResult>(openid, 'unifiedOrder', { items: [{ sku, quantity }] });
    });
    setBusy(false);
    if (placed) navigate(href(['orders', placed.orderNo]));
  };
  const products = catalogue.data?.products ?? [];
  return (
    <section class="panel narrow">
      <h1>{s.buy}</h1>
      <form class="stack" onSubmit={submit}>
        <label>
          {s.buyAs}
          <select
            name="as"
            value={as || firstUser}
            onChange={(e) => setAs((e.target as HTMLSelectElement).value)}
          >
            {users.data?.users.map((u) => (
              <option key={u.openid} value={u.openid}>
                {`${u.name} · ${u.openid}`}
              </option>
            ))}
            <option value={OTHER}>{s.otherOpenid}</option>
          </select>
        </label>
        {(as || firstUser) === OTHER && (
          <label>
            {s.otherOpenid}
            <input
              name="openid"
              required
              value={other}
              placeholder="oXXXX…"
              onInput={(e) => setOther((e.target as HTMLInputElement).value)}
            />
          </label>
        )}
        {catalogue.error && (
          <p class="error-text">{`${catalogue.error.code}: ${errorMessage(catalogue.error)}`}</p>
        )}
        {catalogue.data && !products.length && <p class="muted">{s.noProducts}</p>}
        {products.length > 0 && (
          <label>
            {s.product}
            <select name="sku">
              {products.map((p) => (
                <option key={p.sku} value={p.sku}>
                  {`${p.name} · ${yuan(p.price)}`}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          {s.quantity}
          <input name="quantity" type="number" min={1} max={99} step={1} defaultValue={1} required />
        </label>
        <button type="submit" disabled={busy || !openid}>
          {s.place}
        </button>
      </form>
    </section>
  );
}
