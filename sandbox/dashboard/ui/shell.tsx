/**
 * The frame around every page: the title, the nav (real links, so the keyboard and middle-click
 * work), the live-connection badge, the language switch and the toasts.
 */
import { connected } from './live';
import { PAGES } from './pages';
import { href, route } from './router';
import { useSignal } from './signal';
import { lang, setLang, strings } from './strings';
import { Toasts } from './toast';

export function App() {
  useSignal(lang);
  const current = useSignal(route);
  const live = useSignal(connected);
  const s = strings();
  const [first = '', id] = current.parts;
  const page = PAGES.find((p) => p.path === first) ?? PAGES[0];
  const Detail = page.detail;
  const Page = page.component;
  return (
    <div class="app">
      <header class="topbar">
        <a class="brand" href="#/">
          {s.appTitle}
        </a>
        <nav aria-label="main">
          {PAGES.map((p) => (
            <a
              key={p.path}
              href={href(p.path ? [p.path] : [])}
              class={p === page ? 'nav active' : 'nav'}
              aria-current={p === page ? 'page' : undefined}
            >
              {s[p.label] as string}
            </a>
          ))}
        </nav>
        <span class={live ? 'badge live' : 'badge offline'} data-live={live ? 'on' : 'off'}>
          {live ? s.live : s.offline}
        </span>
        <button type="button" class="link lang" onClick={() => setLang(lang.get() === 'zh' ? 'en' : 'zh')}>
          {s.switchLang}
        </button>
      </header>
      <Toasts />
      <main>
        {id !== undefined && Detail ? <Detail route={current} id={id} /> : <Page route={current} />}
      </main>
    </div>
  );
}
