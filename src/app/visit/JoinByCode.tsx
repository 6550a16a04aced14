// The doctor's way into a visit from the Visit page: scan the QR code on the patient's screen
// with this device's camera, or paste the link the patient sent. Either opens the join screen,
// exactly as opening the link would.
import { useNavigate } from '@solidjs/router'
import { createSignal, type JSX } from 'solid-js'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'
import { createQrScanner, QrScanControls } from '../ui/QrScanner.tsx'
import { readVisitLink } from './readVisitLink.ts'
import { joinPath } from './visitLink.ts'

const NOT_A_VISIT_CODE = "This QR code is not an Anamnesis visit link. Scan the code on the patient's Visit page, or paste the link instead."

export function JoinByCode(): JSX.Element {
  const navigate = useNavigate()
  const [pasted, setPasted] = createSignal('')
  const [pasteError, setPasteError] = createSignal<string>()

  const join = (invite: string): void => {
    scanner.stop()
    navigate(joinPath(invite))
  }

  const scanner = createQrScanner({
    instead: 'Paste the visit link instead.',
    scanning: "Scanning: hold the camera to the QR code on the patient's screen.",
    onCode: (text) => {
      const link = readVisitLink(text)
      if (link.ok) join(link.invite)
      // A wrong code is said once and scanning goes on: the doctor may point at the right one next.
      else scanner.setError(link.code === 'INVITE_MALFORMED' ? link.message : NOT_A_VISIT_CODE)
    }
  })

  const joinPasted = (): void => {
    const link = readVisitLink(pasted())
    if (link.ok) join(link.invite)
    else setPasteError(link.message)
  }

  return (
    <section aria-labelledby="join-by-code-heading">
      <h2 id="join-by-code-heading">Join as the doctor</h2>
      <p class="hint">If you are the doctor: scan the QR code on the patient's screen, or paste the visit link they sent you.</p>
      <QrScanControls scanner={scanner} startLabel="Scan the patient's QR code" videoLabel="Camera view for scanning the patient's QR code" />
      <p role="status">{scanner.status()}</p>
      <ErrorBanner message={scanner.error()} />
      <form
        class="inline-form"
        onSubmit={(event) => {
          event.preventDefault()
          joinPasted()
        }}
      >
        <label for="pasted-visit-link">Or paste the link the patient sent</label>
        <input
          id="pasted-visit-link"
          class="pasted-visit-link"
          type="text"
          inputMode="url"
          autocomplete="off"
          spellcheck={false}
          value={pasted()}
          aria-invalid={pasteError() !== undefined}
          aria-describedby={pasteError() === undefined ? undefined : 'pasted-visit-link-error'}
          onInput={(event) => {
            setPasted(event.currentTarget.value)
            setPasteError(undefined)
          }}
        />
        <button type="submit">Join</button>
      </form>
      <ErrorBanner message={pasteError()} id="pasted-visit-link-error" />
    </section>
  )
}
