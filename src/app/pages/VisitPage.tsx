import type { JSX } from 'solid-js'
import { usePageTitle } from '../usePageTitle.ts'

export default function VisitPage(): JSX.Element {
  usePageTitle('Visit')
  return (
    <article>
      <h1>Visit</h1>
      <p>
        During a visit, you will show your doctor a QR code or a link. Their browser connects directly to yours, peer to peer, and reads
        your history only while the access you grant on-chain is live. You choose what they see, and for how long, and you can revoke it.
      </p>
      <p class="notice">Visits are not available yet in this version.</p>
    </article>
  )
}
