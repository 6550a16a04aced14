// The patient's guardians: people who may give a doctor emergency access while the patient cannot.
import { createSignal, Show, type JSX } from 'solid-js'
import { useApp } from '../shell/AppContext.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { LoadedList } from '../ui/LoadedList.tsx'
import { createGuardians } from './createGuardians.ts'

export function GuardiansSection(): JSX.Element {
  const app = useApp()
  const guardians = createGuardians(app)
  const [address, setAddress] = createSignal('')

  const add = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    if (await guardians.add(address())) setAddress('')
  }

  return (
    <section aria-labelledby="guardians-heading">
      <h2 id="guardians-heading">Guardians</h2>
      <p class="hint">
        A guardian is someone you trust (a relative, a caregiver) who may, when you cannot, give a doctor emergency access to your history
        for at most 72 hours. Every such act is recorded on-chain under their name. You can remove a guardian at any time.
      </p>
      <p class="hint">
        While your history is open, this app hands each guardian the keys of your emergency records (allergies, medicines, problems,
        procedures, immunizations and results; never reports, family history or visit notes), so they can pass them to the doctor treating
        you. Removing a guardian moves your history to a new key they do not get.
      </p>
      <LoadedList
        state={guardians.list()}
        label="Your guardians"
        class="guardian-list"
        noWallet="Connect a wallet to name guardians."
        loading="Reading your guardians…"
        empty="You have named no guardians."
        failedPrefix="Could not read your guardians: "
      >
        {(g) => (
          <li>
            <code>{g.guardian}</code>{' '}
            <button type="button" aria-label={`Remove guardian ${g.guardian}`} disabled={guardians.pending() !== undefined} onClick={() => void guardians.remove(g.guardian)}>
              Remove
            </button>
          </li>
        )}
      </LoadedList>
      <Show when={app.wallet().state === 'connected'}>
        <form class="inline-form" onSubmit={(event) => void add(event)}>
          <label for="guardian-address">Guardian's address</label>
          <input id="guardian-address" value={address()} onInput={(event) => setAddress(event.currentTarget.value)} placeholder="0x…" spellcheck={false} />
          <button type="submit" disabled={guardians.pending() !== undefined || address().trim() === ''}>
            Add guardian
          </button>
        </form>
      </Show>
      <p aria-live="polite">
        {guardians.pending() !== undefined ? 'Waiting for the transaction…' : (guardians.done() ?? '')}
      </p>
      <ErrorBanner message={guardians.error()} />
    </section>
  )
}
