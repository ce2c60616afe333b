/**
 * Database: the collections with their sizes, a query box in the SDK's query language (the JSON the
 * SDK sends: `{ "totalFee": { "$gt": 100 } }` is `where({ totalFee: _.gt(100) })`), the documents
 * as pretty JSON, and editing one: the new text is checked as JSON here, then a confirm step on
 * the page, then the validated `POST /sandbox/dashboard/db/doc`.
 */
import { useState } from 'preact/hooks';
import type {
  CollectionsView,
  DbQueryResult,
  DocEditResult,
} from '../../../../typings/sandbox/dashboard-tools';
import { ApiError, post, get } from '../api';
import { useLiveData } from '../data';
import { NumberInput } from '../number-input';
import { href } from '../router';
import { fill, strings } from '../strings';
import { attempt, showDone, showError } from '../toast';
import type { PageProps } from './index';
import { errorMessage } from '../errors';

const DEFAULT_LIMIT = 20;

/** The text as JSON, or an ApiError saying where it is broken. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('INVALID_JSON', fill(strings().dbBadJson, { message: (err as Error).message }));
  }
}

export function DatabasePage({ route }: PageProps) {
  const s = strings();
  const collection = route.params.get('c') ?? '';
  const collections = useLiveData(() => get<CollectionsView>('/sandbox/dashboard/db'), [], ['order']);
  return (
    <div class="stack tools database-page">
      <h1>{s.dbTitle}</h1>
      <div class="db-layout">
        <nav class="panel db-collections" aria-label={s.dbCollections}>
          <h2>{s.dbCollections}</h2>
          {collections.error && <p class="error-text">{errorMessage(collections.error)}</p>}
          <ul class="plain">
            {(collections.data?.collections ?? []).map((c) => (
              <li key={c.name}>
                <a
                  href={href(['database'], { c: c.name })}
                  aria-current={c.name === collection ? 'page' : undefined}
                  data-collection={c.name}
                >
                  <code>{c.name}</code>
                </a>{' '}
                <small class="muted">{c.count}</small>
              </li>
            ))}
          </ul>
        </nav>
        {collection ? (
          <QueryPanel key={collection} collection={collection} />
        ) : (
          <p class="panel muted">{s.dbPickCollection}</p>
        )}
      </div>
    </div>
  );
}

function QueryPanel({ collection }: { collection: string }) {
  const s = strings();
  const [where, setWhere] = useState('{}');
  const [limit, setLimit] = useState(String(DEFAULT_LIMIT));
  const [result, setResult] = useState<DbQueryResult | undefined>(undefined);
  const run = () =>
    attempt(async () => {
      const body = {
        collection,
        where: parseJson(where),
        // Sent as typed: the route answers what it expects.
        limit: /^\d+$/.test(limit.trim()) ? Number(limit.trim()) : limit,
      };
      setResult(await post<DbQueryResult>('/sandbox/dashboard/db/query', body));
    });
  const submit = (e: Event) => {
    e.preventDefault();
    void run();
  };
  return (
    <section class="panel db-query" aria-labelledby="query-title">
      <h2 id="query-title">
        <code>{collection}</code>
      </h2>
      <form class="stack" onSubmit={submit}>
        <label>
          {s.dbQuery}
          <textarea
            name="where"
            rows={3}
            spellcheck={false}
            value={where}
            placeholder={s.dbQueryHint}
            onInput={(e) => setWhere((e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <div class="row">
          <label>
            {s.dbLimit} <NumberInput name="limit" value={limit} onValue={setLimit} />
          </label>
          <button type="submit" data-action="query">
            {s.dbRun}
          </button>
        </div>
      </form>
      {result && (
        <>
          <p class="muted" data-total={result.total}>
            {fill(s.dbMatched, { total: result.total, n: result.documents.length })}
          </p>
          {result.documents.map((doc) => (
            <DocumentView
              key={String(doc._id)}
              collection={collection}
              doc={doc}
              onSaved={() => void run()}
            />
          ))}
        </>
      )}
    </section>
  );
}

type EditStep =
  { step: 'view' } | { step: 'edit'; text: string } | { step: 'confirm'; text: string; doc: unknown };

function DocumentView(props: { collection: string; doc: Record<string, unknown>; onSaved: () => void }) {
  const { collection, doc, onSaved } = props;
  const s = strings();
  const id = String(doc._id);
  const pretty = JSON.stringify(doc, null, 2);
  const [state, setState] = useState<EditStep>({ step: 'view' });
  const review = () => {
    if (state.step !== 'edit') return;
    try {
      setState({ step: 'confirm', text: state.text, doc: parseJson(state.text) });
    } catch (err) {
      showError(err);
    }
  };
  const confirm = async () => {
    if (state.step !== 'confirm') return;
    const ok = await attempt(() =>
      post<DocEditResult>('/sandbox/dashboard/db/doc', { collection, id, doc: state.doc }),
    );
    if (!ok) return;
    showDone(fill(s.dbSaved, { id }));
    setState({ step: 'view' });
    onSaved();
  };
  return (
    <article class="document" data-doc={id}>
      {state.step === 'view' ? (
        <pre class="json">{pretty}</pre>
      ) : (
        <textarea
          class="json"
          aria-label={`${s.dbEdit} ${id}`}
          rows={Math.min(30, pretty.split('\n').length + 1)}
          spellcheck={false}
          readOnly={state.step === 'confirm'}
          value={state.text}
          onInput={(e) => setState({ step: 'edit', text: (e.target as HTMLTextAreaElement).value })}
        />
      )}
      <div class="row">
        {state.step === 'view' && (
          <button type="button" class="secondary" onClick={() => setState({ step: 'edit', text: pretty })}>
            {s.dbEdit}
          </button>
        )}
        {state.step === 'edit' && (
          <>
            <button type="button" data-action="save" onClick={review}>
              {s.dbSave}
            </button>
            <button type="button" class="secondary" onClick={() => setState({ step: 'view' })}>
              {s.dbCancel}
            </button>
          </>
        )}
      </div>
      {state.step === 'confirm' && (
        <div class="confirm" role="alertdialog" aria-labelledby={`confirm-${id}`}>
          <strong id={`confirm-${id}`}>{s.dbConfirmTitle}</strong>
          <p>{fill(s.dbConfirmText, { collection, id })}</p>
          <div class="row">
            <button type="button" class="danger" data-action="confirm" onClick={() => void confirm()}>
              {s.dbConfirm}
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => setState({ step: 'edit', text: state.text })}
            >
              {s.dbCancel}
            </button>
          </div>
        </div>
      )}
    </article>
  );
}
