/**
 * Loading what a view shows, and keeping it fresh: `useLiveData` fetches once, then again whenever
 * the live stream reports a change of a kind the view cares about (at most one fetch in flight;
 * changes during a fetch cause exactly one more).
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { LiveEventKind } from '../../../typings/sandbox/dashboard';
import { ApiError } from './api';
import { onLive } from './live';

export interface LiveData<T> {
  data: T | undefined;
  error: ApiError | undefined;
  reload: () => void;
}

export function useLiveData<T>(
  load: () => Promise<T>,
  deps: unknown[],
  kinds: readonly LiveEventKind[],
): LiveData<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const state = useRef({ inflight: false, again: false, alive: true, generation: 0 });
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => {
    const s = state.current;
    if (s.inflight) {
      s.again = true;
      return;
    }
    s.inflight = true;
    const generation = s.generation;
    loadRef
      .current()
      .then(
        (value) => {
          if (s.alive && generation === s.generation) {
            setData(value);
            setError(undefined);
          }
        },
        (err: unknown) => {
          if (s.alive && generation === s.generation) setError(asApiError(err));
        },
      )
      .finally(() => {
        s.inflight = false;
        if (s.again && s.alive) {
          s.again = false;
          reload();
        }
      });
  }, []);

  useEffect(() => {
    const s = state.current;
    s.generation++;
    s.inflight = false;
    s.again = false;
    setData(undefined);
    reload();
  }, deps);

  useEffect(() => {
    state.current.alive = true;
    const off = onLive(kinds, reload);
    return () => {
      state.current.alive = false;
      off();
    };
  }, [kinds.join(',')]);

  return { data, error, reload };
}

export function asApiError(err: unknown): ApiError {
  return err instanceof ApiError
    ? err
    : new ApiError('ERROR', err instanceof Error ? err.message : String(err));
}
