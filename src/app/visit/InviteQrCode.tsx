// The invite's QR code, drawn on the patient's screen for the doctor to scan.
import { createEffect, createSignal, Show, type JSX } from 'solid-js'

/** The invite's QR code (or a shared link's: `alt` names it). Its encoder loads with the first invite, not with the doctor's join page. */
export function InviteQrCode(props: { link: string; alt?: string }): JSX.Element {
  const [image, setImage] = createSignal<{ link: string; src: string }>()
  createEffect(() => {
    const link = props.link
    import('./visitQrCode.ts').then(
      ({ visitQrImage }) => setImage({ link, src: visitQrImage(link) }),
      (error: unknown) => console.error('The QR code could not be drawn:', error)
    )
  })
  // Only the current link's code: a slower draw of an older invite never replaces it.
  const current = (): string | undefined => (image()?.link === props.link ? image()?.src : undefined)
  return (
    <Show when={current()} fallback={<p class="invite-qr">Drawing the QR code…</p>}>
      {(src) => <img class="invite-qr" src={src()} alt={props.alt ?? 'QR code of the visit link'} width="220" height="220" />}
    </Show>
  )
}
