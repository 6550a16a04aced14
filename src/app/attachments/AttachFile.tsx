// Attaching a PDF or an image to the history: the file is checked and sealed on this device
// (src/session attachments.ts), and its record added by whoever holds the history open here: the
// patient, or a doctor with a write grant during a visit.
import { createSignal, createUniqueId, Show, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import type { HistoryRecord } from '../../history/index.ts'
import type { AttachmentFiles } from '../../session/index.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'

/** The limits and types as the form states them; the session enforces them. */
export const ATTACHMENT_LIMITS_TEXT = 'PDF documents and PNG, JPEG, GIF or WebP images, up to 25 MB per file and 500 MB for the whole history.'

export function AttachFile(props: { files: AttachmentFiles | undefined; add: (record: HistoryRecord) => Promise<unknown> }): JSX.Element {
  const uid = createUniqueId()
  const [chosen, setChosen] = createSignal<File | undefined>()
  const [description, setDescription] = createSignal('')
  const [step, setStep] = createSignal<{ step: 'idle' } | { step: 'storing'; name: string } | { step: 'done'; name: string } | { step: 'failed'; error: string }>({ step: 'idle' })
  let input: HTMLInputElement | undefined

  const attach = async (event: SubmitEvent): Promise<void> => {
    event.preventDefault()
    const file = chosen()
    const files = props.files
    if (file === undefined || files === undefined) {
      setStep({ step: 'failed', error: file === undefined ? 'Choose a file first.' : 'The file store is not ready yet: wait for the connection, then try again.' })
      return
    }
    setStep({ step: 'storing', name: file.name })
    try {
      const record = await files.attach({ bytes: new Uint8Array(await file.arrayBuffer()), name: file.name, type: file.type }, { description: description() })
      await props.add(record)
      setStep({ step: 'done', name: file.name })
      setChosen(undefined)
      setDescription('')
      if (input !== undefined) input.value = ''
    } catch (error) {
      setStep({ step: 'failed', error: errorMessage(error) })
    }
  }

  return (
    <form class="attach-file" aria-label="Attach a file" onSubmit={(event) => void attach(event)}>
      <p class="hint" id={`${uid}-limits`}>
        {ATTACHMENT_LIMITS_TEXT} The file is encrypted on this device before it is stored; only those who may read your reports can open it.
      </p>
      <p>
        <label for={`${uid}-file`}>PDF or image to attach</label>{' '}
        <input
          id={`${uid}-file`}
          ref={(element) => (input = element)}
          type="file"
          accept="application/pdf,image/png,image/jpeg,image/gif,image/webp"
          aria-describedby={`${uid}-limits`}
          disabled={step().step === 'storing'}
          onChange={(event) => setChosen(event.currentTarget.files?.[0])}
        />
      </p>
      <p>
        <label for={`${uid}-description`}>What it is (optional)</label>{' '}
        <input id={`${uid}-description`} type="text" value={description()} onInput={(event) => setDescription(event.currentTarget.value)} />
      </p>
      <button type="submit" disabled={step().step === 'storing' || chosen() === undefined}>
        Attach the file
      </button>
      <p role="status">
        {(() => {
          const s = step()
          return s.step === 'storing' ? `Encrypting and storing ${s.name}…` : s.step === 'done' ? `Attached ${s.name}.` : ''
        })()}
      </p>
      <Show when={step().step === 'failed'}>
        <ErrorBanner message={(() => { const s = step(); return s.step === 'failed' ? s.error : undefined })()} prefix="The file was not attached: " />
      </Show>
    </form>
  )
}
