/**
 * The dashboard's pages: the first segment of the hash route, the nav label's key in strings.ts,
 * and the component (it receives the rest of the route). Add a page here and it is in the nav.
 */
import type { ComponentType } from 'preact';
import type { Route } from '../router';
import type { Strings } from '../strings';
import { BillsPage } from './bills';
import { BuyPage } from './buy';
import { CallbacksPage } from './callbacks';
import { DatabasePage } from './database';
import { FaultsPage } from './faults';
import { FunctionsPage } from './functions';
import { OrderPage } from './order';
import { OrdersPage } from './orders';
import { OverviewPage } from './overview';
import { TradesPage } from './trades';

export interface PageProps {
  route: Route;
}

export interface PageEntry {
  /** '' is the overview. */
  path: string;
  label: keyof Strings;
  component: ComponentType<PageProps>;
  /** Component for `#/<path>/<id>` (an order's timeline). */
  detail?: ComponentType<PageProps & { id: string }>;
}

export const PAGES: PageEntry[] = [
  { path: '', label: 'navOverview', component: OverviewPage },
  { path: 'orders', label: 'navOrders', component: OrdersPage, detail: OrderPage },
  { path: 'trades', label: 'navTrades', component: TradesPage },
  { path: 'buy', label: 'navBuy', component: BuyPage },
  // The tool pages.
  { path: 'callbacks', label: 'navCallbacks', component: CallbacksPage },
  { path: 'functions', label: 'navFunctions', component: FunctionsPage },
  { path: 'database', label: 'navDatabase', component: DatabasePage },
  { path: 'bills', label: 'navBills', component: BillsPage },
  { path: 'faults', label: 'navFaults', component: FaultsPage },
];
