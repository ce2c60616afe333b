/** The dashboard's entry: adopt a token from the URL, open the live stream, render the app. */
import { render } from 'preact';
import { adoptToken } from './api';
import { startLive } from './live';
import { App } from './shell';
import { lang } from './strings';
import './app.css';

adoptToken();
document.documentElement.lang = lang.get() === 'zh' ? 'zh-CN' : 'en';
startLive();
render(<App />, document.getElementById('app')!);
