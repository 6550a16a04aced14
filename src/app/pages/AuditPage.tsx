import type { JSX } from 'solid-js'
import { usePageTitle } from '../usePageTitle.ts'

export default function AuditPage(): JSX.Element {
  usePageTitle('Audit trail')
  return (
    <article>
      <h1>Audit trail</h1>
      <p>
        Every access to your history will be listed here, rebuilt from the public ledger: who you granted access to, for what and until
        when, each revocation, each visit a doctor opened, each emergency access, and each integrity anchor of your history.
      </p>
      <p class="notice">Grants and the audit trail are not available yet in this version.</p>
    </article>
  )
}
