import type { JSX } from 'solid-js'
import { usePageTitle } from '../usePageTitle.ts'

export function HistoryPage(): JSX.Element {
  usePageTitle('My history')
  return (
    <article>
      <h1>My history</h1>
      <p>
        Your medical history will live here, encrypted in this browser and nowhere else: conditions, symptoms, medicines, allergies,
        procedures, immunizations, family history, results and reports, drawn as a chain of linked blocks on a timeline and on a body map.
      </p>
      <p class="notice">Recording your history is not available yet in this version. Nothing you could enter would be kept, so there is no form here.</p>
    </article>
  )
}
