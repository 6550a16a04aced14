import type { JSX } from 'solid-js'
import { usePageTitle } from '../ui/usePageTitle.ts'

export default function EmergencyPage(): JSX.Element {
  usePageTitle('Emergency')
  return (
    <article>
      <h1>Emergency</h1>
      <p>
        You will be able to prepare an emergency summary (allergies, medicines, conditions, blood group and contacts) and carry it as a
        card with a QR code. A clinician who opens it records an emergency access on-chain, and you will see it in your audit trail.
      </p>
      <p class="notice">The emergency card is not available yet in this version.</p>
    </article>
  )
}
