/**
 * Failures and confirmations at the top of the page: an error shows the server's code and message
 * as it was sent, and stays until dismissed (role=alert, so a screen reader says it at once).
 */
import { asApiError } from './data';
import { signal, useSignal } from './signal';
import { strings } from './strings';

interface Toast {
  id: number;
  kind: 'error' | 'ok';
  code?: string;
  message: string;
}

const toasts = signal<Toast[]>([]);
let nextId = 1;

export function showError(err: unknown): void {
  const e = asApiError(err);
  toasts.set([...toasts.get(), { id: nextId++, kind: 'error', code: e.code, message: e.message }]);
}

export function showDone(message: string): void {
  const toast: Toast = { id: nextId++, kind: 'ok', message };
  toasts.set([...toasts.get(), toast]);
  setTimeout(() => dismiss(toast.id), 4000);
}

function dismiss(id: number): void {
  toasts.set(toasts.get().filter((t) => t.id !== id));
}

/** Runs an action; a failure becomes an error toast. Resolves with whether it succeeded. */
export async function attempt(action: () => Promise<unknown>, doneMessage?: string): Promise<boolean> {
  try {
    await action();
    if (doneMessage) showDone(doneMessage);
    return true;
  } catch (err) {
    showError(err);
    return false;
  }
}

export function Toasts() {
  const list = useSignal(toasts);
  const s = strings();
  if (!list.length) return null;
  return (
    <div class="toasts">
      {list.map((t) => (
        <div key={t.id} class={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'}>
          <div class="toast-body">
            {t.kind === 'error' && <strong class="toast-title">{s.errorTitle}</strong>}
            {t.code && <code class="toast-code">{t.code}</code>}
            <span class="toast-message">{t.message}</span>
          </div>
          <button type="button" class="link" onClick={() => dismiss(t.id)}>
            {s.dismiss}
          </button>
        </div>
      ))}
    </div>
  );
}
