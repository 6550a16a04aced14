// The patient's history. Until the encrypted log lands, it offers the demo patient,
// clearly labelled, so a newcomer sees the timeline and the body map at once. The
// views load on demand, so D3 and the body art stay out of the first screen.
import { useSearchParams } from '@solidjs/router'
import { For, lazy, Show, Suspense, type JSX } from 'solid-js'
import { usePageTitle } from '../usePageTitle.ts'

const HistoryViews = lazy(() => import('../history/HistoryViews.tsx'))
const DEFAULT_RECORDS = 400
const SIZES = [50, 400, 2000, 10_000]

export function HistoryPage(): JSX.Element {
  usePageTitle('My history')
  const [params, setParams] = useSearchParams<{ demo?: string }>()
  const records = (): number | undefined => {
    const value = Number(params.demo)
    return params.demo === undefined ? undefined : Number.isInteger(value) && value >= 50 && value <= 20_000 ? value : DEFAULT_RECORDS
  }
  return (
    <article class="history-page">
      <h1>My history</h1>
      <p>
        Your medical history will live here, encrypted in this browser and nowhere else: conditions, symptoms, medicines, allergies, procedures, immunizations, family history,
        results and reports, drawn as a chain of linked blocks on a timeline and on a body map.
      </p>
      <p class="notice">Recording your history is not available yet in this version. Nothing you could enter would be kept, so there is no form here.</p>
      <Show
        when={records()}
        fallback={
          <section aria-labelledby="demo-offer">
            <h2 id="demo-offer">See how it works with a demo patient</h2>
            <p>
              A made-up patient, generated in this browser: seventy years of conditions, medicines, results and their diagnostic chains. Synthetic data, not anyone’s records, and
              not yours.
            </p>
            <button type="button" onClick={() => setParams({ demo: String(DEFAULT_RECORDS) })}>
              Show the demo patient
            </button>
          </section>
        }
      >
        {(count) => (
          <section aria-labelledby="demo-heading">
            <div class="demo-label">
              <h2 id="demo-heading">Demo patient — synthetic, not your records</h2>
              <p>
                This history of {count().toLocaleString('en')} records was generated in your browser from a fixed seed. It is not stored anywhere and is gone when you leave this page.
                Loading it into your own encrypted history will come when the encrypted history log is built; until then nothing is saved.
              </p>
              <p class="demo-sizes">
                Size:{' '}
                <For each={SIZES}>
                  {(size) => (
                    <button type="button" class="link-button" aria-pressed={size === count()} onClick={() => setParams({ demo: String(size) })}>
                      {size.toLocaleString('en')} records
                    </button>
                  )}
                </For>{' '}
                <button type="button" onClick={() => setParams({ demo: undefined })}>
                  Hide the demo
                </button>
              </p>
            </div>
            <Suspense fallback={<p role="status">Drawing the demo patient’s history…</p>}>
              <Show when={count()} keyed>
                {(n) => <HistoryViews records={n} />}
              </Show>
            </Suspense>
          </section>
        )}
      </Show>
    </article>
  )
}
