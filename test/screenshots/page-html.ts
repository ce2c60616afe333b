/**
 * Turns a component rendered by miniprogram-simulate into a standalone HTML page that Chromium lays
 * out as a phone would (toolchain-notes §11): the WXSS simulate injected for it, a small base sheet
 * for the `wx-*` elements a browser does not know, the app's page style, and an imitation of
 * WeChat's navigation bar. Nothing here is fetched: the page works offline.
 */
import * as fs from 'fs';
import * as path from 'path';
import { pageTitleText } from '../../miniprogram/paykit/strings';

const MINIPROGRAM = path.resolve(__dirname, '../../miniprogram');

/**
 * simulate compiles each component's WXSS with its class prefix but maps rpx 1:1 and leaves `:host`
 * as is. A phone is 750 rpx wide, so 375 px: 0.5 px per rpx; `:host` is the component's tag.
 * Applied to simulate's wxss module (see the jest.mock in views.test.ts) before anything loads.
 */
export function patchWxssModule<T extends { compile: (css: string, o: { prefix?: string }) => string }>(
  wxss: T & { paykitPatched?: boolean },
): T {
  if (wxss.paykitPatched) return wxss;
  const compile = wxss.compile.bind(wxss);
  wxss.compile = (css, options) => compile(browserCss(css, options.prefix ?? 'main'), options);
  wxss.paykitPatched = true;
  return wxss;
}

/** WXSS → CSS a browser applies the same way: rpx at 0.5 px, `:host` as the tag, `page` as the body. */
export function browserCss(css: string, tag: string): string {
  return css.replace(/(-?\d*\.?\d+)rpx/g, (_, n: string) => `${Number(n) / 2}px`).replace(/:host/g, tag);
}

/** A built-in element's attributes as its template gave them (j-component keeps them on its node). */
interface RenderedNode {
  __wxElement?: { _vt?: { attrs?: Array<{ name: string; value: unknown }> } };
}

/**
 * The markup of a rendered component, with the text WeChat draws in each input and textarea.
 * simulate renders those built-ins as empty `wx-input`/`wx-textarea` elements: j-component applies
 * only id, slot and data- attributes to a built-in, so `value` and `placeholder` never reach the
 * DOM. Each gets its value, or else its placeholder in its `placeholder-class` (class names carry
 * the prefix simulate gave the element's own classes), in a copy of the markup.
 */
export function markupOf(root: Element): string {
  const copy = root.cloneNode(true) as Element;
  const fields = 'wx-input, wx-textarea';
  const copies = copy.querySelectorAll(fields);
  root.querySelectorAll(fields).forEach((field, i) => {
    const attrs = (field as Element & RenderedNode).__wxElement?._vt?.attrs ?? [];
    // Named as the template spells them (placeholder-class) or camel-cased (placeholderClass).
    const key = (name: string) => name.replace(/-/g, '').toLowerCase();
    const attr = (name: string) => {
      const value = attrs.find((a) => key(a.name) === key(name))?.value;
      return value === undefined || value === null ? '' : String(value);
    };
    const value = attr('value');
    const placeholder = attr('placeholder');
    if (value) copies[i].textContent = value;
    else if (placeholder) {
      const own = attr('class').trim().split(/\s+/)[0];
      const shown = field.classList[0] ?? '';
      const prefix = own && shown.endsWith(own) ? shown.slice(0, -own.length) : '';
      const text = copy.ownerDocument.createElement('wx-view');
      text.className = attr('placeholder-class')
        .split(/\s+/)
        .filter(Boolean)
        .map((c) => `${prefix}${c}`)
        .join(' ');
      text.textContent = placeholder;
      copies[i].appendChild(text);
    }
  });
  return copy.outerHTML;
}

/** The `<style>` simulate inserted for each load id (the whole component tree of that load). */
export function stylesOf(ids: string[]): string {
  return ids.map((id) => document.head.querySelector(`style[id="${id}"]`)?.innerHTML ?? '').join('\n');
}

/**
 * Browser defaults for the mini-program's built-in elements, as WeChat's own base sheet sets them,
 * and stand-ins for what a browser here cannot load (vant's icon font and van-empty's pictures come
 * from a CDN): the arrow of a linked cell, the passed circle and the search magnifier are drawn with
 * borders, van-empty's picture as a grey disc.
 */
const BASE_CSS = `
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font-family: -apple-system, "PingFang SC", "WenQuanYi Zen Hei", sans-serif;
  font-size: 16px; line-height: 1.4; -webkit-font-smoothing: antialiased; }
wx-view, wx-scroll-view, wx-swiper, wx-picker, wx-form, main { display: block; }
wx-text, wx-label { display: inline; }
wx-text { white-space: pre-wrap; }
wx-button { display: block; position: relative; margin: 0; padding: 0; font: inherit; }
wx-image { display: inline-block; overflow: hidden; width: 320px; height: 240px; }
wx-scroll-view { width: 100%; overflow: hidden; }
.van-icon--van-icon-arrow::before { content: "" !important; display: inline-block; width: 0.45em;
  height: 0.45em; border-top: 1.5px solid currentColor; border-right: 1.5px solid currentColor;
  transform: translateX(-25%) rotate(45deg); }
.van-icon--van-icon-passed::before { content: "" !important; display: inline-block; width: 0.8em;
  height: 0.8em; border: 1.5px solid currentColor; border-radius: 50%; }
.van-icon--van-icon-search { position: relative; }
.van-icon--van-icon-search::before { content: "" !important; display: inline-block; width: 0.6em;
  height: 0.6em; border: 1.5px solid currentColor; border-radius: 50%; transform: translate(-10%, -10%); }
.van-icon--van-icon-search::after { content: ""; position: absolute; left: 0.62em; top: 0.62em; width: 0.3em;
  border-top: 1.5px solid currentColor; transform: rotate(45deg); }
.van-empty--van-empty__image__img { display: block; border-radius: 50%;
  background: radial-gradient(circle at 50% 50%, #ebedf0 0 40%, transparent 41%); }
.phone { position: relative; width: 100%; overflow: hidden; }
.nav { position: relative; display: flex; align-items: center; justify-content: center; height: 44px;
  background: #fff; color: #000; font-size: 17px; font-weight: 600; }
.nav__capsule { position: absolute; top: 6px; right: 7px; display: flex; align-items: center;
  width: 87px; height: 32px; border: 0.5px solid rgba(0, 0, 0, 0.12); border-radius: 16px;
  background: rgba(255, 255, 255, 0.6); }
.nav__capsule::before { content: "···"; flex: 1; text-align: center; font-weight: 900; letter-spacing: 1px; }
.nav__capsule::after { content: ""; flex: 1; height: 14px; margin: 0 14px; border: 2px solid #000;
  border-radius: 50%; border-left-width: 0; border-right-width: 0; box-sizing: content-box;
  max-width: 14px; height: 14px; border-width: 3px; }
.nav__divider { position: absolute; top: 8px; left: 43px; width: 0.5px; height: 16px; background: rgba(0, 0, 0, 0.2); }
.content { padding-bottom: 12px; }
.caption { padding: 16px 16px 8px; color: #969799; font-size: 14px; }
.demo { padding: 0 16px; }
.sheet-mask { position: absolute; inset: 0; background: rgba(0, 0, 0, 0.6); }
.sheet { position: absolute; left: 0; right: 0; bottom: 0; border-radius: 12px 12px 0 0;
  overflow: hidden; background: #f7f7f7; text-align: center; }
.sheet__title { padding: 16px 24px; background: #fff; color: #888; font-size: 14px;
  border-bottom: 0.5px solid #e5e5e5; }
.sheet__item { padding: 16px; background: #fff; color: #000; font-size: 17px; border-bottom: 0.5px solid #e5e5e5; }
.sheet__cancel { margin-top: 8px; padding: 16px 16px 28px; background: #fff; color: #000; font-size: 17px; }
`;

/** The app's `page { … }` style (app.wxss) on the page body. */
function appCss(): string {
  const wxss = fs.readFileSync(path.join(MINIPROGRAM, 'app.wxss'), 'utf8');
  return browserCss(wxss, 'main').replace(/(^|\})\s*page\s*\{/g, '$1 .page {');
}

/** What WeChat's client draws over a page while a sheet is open (`wx.showActionSheet`). */
export interface ActionSheet {
  alertText?: string;
  itemList: string[];
  /** WeChat's own label of the cancel row (not the kit's text). */
  cancelText: string;
}

function sheetHtml(sheet: ActionSheet): string {
  const title = sheet.alertText ? `<div class="sheet__title">${escapeHtml(sheet.alertText)}</div>` : '';
  const items = sheet.itemList.map((item) => `<div class="sheet__item">${escapeHtml(item)}</div>`).join('');
  return `<div class="sheet-mask"></div><div class="sheet">${title}${items}<div class="sheet__cancel">${escapeHtml(sheet.cancelText)}</div></div>`;
}

export interface PageParts {
  /** The navigation bar's title (the page's navigationBarTitleText). */
  title: string;
  /** The rendered markup (a root component's DOM, or several with captions). */
  body: string;
  /** CSS of the components in `body` (stylesOf). */
  css: string;
  /** An action sheet open over the page. */
  sheet?: ActionSheet;
  /**
   * The phone's screen height (CSS px), for a sheet, dialog or popup over a page; otherwise the
   * content's height. The screen is then what vant's fixed overlays and popups are placed in.
   */
  height?: number;
}

/** The standalone page Chromium shoots. Its width is the viewport's. */
export function pageHtml(parts: PageParts): string {
  // Layout containment makes the screen the containing block of fixed elements, as a phone's is.
  const height = parts.height ? ` style="height: ${parts.height}px; contain: layout"` : '';
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style>${BASE_CSS}</style>
<style>${appCss()}</style>
<style>${parts.css}</style>
</head><body class="page">
<div class="phone"${height}>
<div class="nav">${escapeHtml(parts.title)}<div class="nav__capsule"><div class="nav__divider"></div></div></div>
<div class="content">${parts.body}</div>
${parts.sheet ? sheetHtml(parts.sheet) : ''}
</div>
</body></html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** The title the build writes into the page's json for the navigation bar (build/page-titles.ts). */
export function pageTitle(page: string): string {
  return pageTitleText[page] ?? '';
}

/** The text a person would read in the page's markup (tags stripped, whitespace folded). */
export function visibleText(html: string): string {
  const body = html.slice(html.indexOf('<body'));
  return body
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
}
