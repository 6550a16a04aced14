// An attached file, opened on demand: its blocks fetched (from this device or a connected peer),
// every chunk and its hash checked, then an image shown inline and a PDF handed to the browser's own
// viewer in a tab of its own, both from a blob: URL of the checked bytes; never run in the app's page.
import { createSignal, onCleanup, Show, type JSX } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import type { SealedFileRef } from '../../history/index.ts'
import type { AttachmentFiles } from '../../session/index.ts'
import { ErrorBanner } from '../ui/ErrorBanner.tsx'

type Step = { step: 'idle' } | { step: 'fetching'; received: number; total: number } | { step: 'ready'; url: string } | { step: 'failed'; error: string }

const megabytes = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`

export function AttachmentView(props: { file: SealedFileRef; files: AttachmentFiles | undefined }): JSX.Element {
  const [step, setStep] = createSignal<Step>({ step: 'idle' })
  let url: string | undefined
  const controller = new AbortController()
  onCleanup(() => {
    controller.abort()
    if (url !== undefined) URL.revokeObjectURL(url)
  })

  const open = async (): Promise<void> => {
    const files = props.files
    if (files === undefined) {
      setStep({ step: 'failed', error: 'The file store is not ready yet: wait for the connection, then try again.' })
      return
    }
    setStep({ step: 'fetching', received: 0, total: props.file.size })
    try {
      const opened = await files.open(props.file, { signal: controller.signal, onProgress: (received, total) => setStep({ step: 'fetching', received, total }) })
      url = URL.createObjectURL(opened.blob)
      setStep({ step: 'ready', url })
    } catch (error) {
      setStep({ step: 'failed', error: errorMessage(error) })
    }
  }
  const download = (): void => {
    const s = step()
    if (s.step !== 'ready') return
    const link = document.createElement('a')
    link.href = s.url
    link.download = props.file.title
    link.hidden = true
    document.body.append(link)
    link.click()
    link.remove()
  }
  const isImage = (): boolean => props.file.contentType.startsWith('image/')

  return (
    <div class="attachment">
      <p>
        Attached file: {props.file.title} ({props.file.contentType === 'application/pdf' ? 'PDF' : 'image'}, {megabytes(props.file.size)})
      </p>
      <Show when={step().step === 'idle' || step().step === 'failed'}>
        <button type="button" onClick={() => void open()}>
          Open {props.file.title}
        </button>
      </Show>
      <Show when={(() => { const s = step(); return s.step === 'fetching' ? s : undefined })()}>
        {(s) => (
          <p role="status">
            <progress max={s().total} value={s().received} aria-label={`Fetching ${props.file.title}`} /> Fetching and checking {props.file.title}: {megabytes(s().received)} of{' '}
            {megabytes(s().total)}
          </p>
        )}
      </Show>
      <Show when={(() => { const s = step(); return s.step === 'ready' ? s.url : undefined })()}>
        {(ready) => (
          <div>
            <p role="status">{props.file.title} is checked and ready.</p>
            <Show
              when={isImage()}
              fallback={
                <a href={ready()} target="_blank" rel="noopener">
                  View {props.file.title} in the browser's PDF viewer
                </a>
              }
            >
              <img class="attachment-image" src={ready()} alt={props.file.title} />
            </Show>{' '}
            <button type="button" onClick={download}>
              Download {props.file.title}
            </button>
          </div>
        )}
      </Show>
      <ErrorBanner message={(() => { const s = step(); return s.step === 'failed' ? s.error : undefined })()} prefix="The file was not opened: " />
    </div>
  )
}
