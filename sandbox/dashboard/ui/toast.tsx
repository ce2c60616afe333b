/**
 * Failures and confirmations at the top of the page. An error shows the code and, in the UI's
 * language, what went wrong (errors.ts); role=alert, so a screen reader says it at once. An error
 * is about what the person just did: it goes when they go to another view or do something again
 * (then the new outcome is what shows), or when they dismiss it. Confirmations go after 4 s.
 */
import type { ApiError } from './api';
import { asApiError } from './data';
import { errorMessage } from './errors';
import { route } from './router';
import { signal, useSignal } from './signal';
import { strings } from './strings';

type Toast = { id: number; kind: 'error'; error: ApiError } | { id: number; kind: 'ok'; message: string };

const toasts = signal<Toast[]>([]);
let nextId = 1;

/** Shows an error in place of any shown before: one at a time, the latest. */
export function showError(err: unknown): void {
  const others = toasts.get().filter((t) => t.kind !== 'error');
  toasts.set([...others, { id: nextId++, kind: 'error', error: asApiError(err) }]);
}

export function showDone(message: string): void {
  const toast: Toast = { id: nextId++, kind: 'ok', message };
  toasts.set([...toasts.get(), toast]);
  setTimeout(() => dismiss(toast.id), 4000);
}

function dismiss(id: number): void {
  toasts.set(toasts.get().filter((t) => t.id !== id));
}

function clearErrors(): void {
  const left = toasts.get().filter((t) => t.kind !== 'error');
  if (left.length !== toasts.get().length) toasts.set(left);
}

route.subscribe(clearErrors);

/**
 * Runs an action; a failure becomes an error toast, which replaces the errors shown before it.
 * Resolves with whether it succeeded.
 */
export async function attempt(action: () => Promise<unknown>, doneMessage?: string): Promise<boolean> {
  clearErrors();
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
            {t.kind === 'error' && (
              <>
                <strong class="toast-title">{s.errorTitle}</strong>
                <code class="toast-code">{t.error.code}</code>
              </>
            )}
            <span class="toast-message">{t.kind === 'error' ? errorMessage(t.error) : t.message}</span>
          </div>
          <button type="button" class="link" onClick={() => dismiss(t.id)}>
            {s.dismiss}
          </button>
        </div>
      ))}
    </div>
  );
}
