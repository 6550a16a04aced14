import { Show, type JSX } from 'solid-js'

/** An error a person can act on, announced when it appears; nothing when there is none. `id` lets a field point at it. */
export function ErrorBanner(props: { message: string | undefined; prefix?: string; id?: string }): JSX.Element {
  return (
    <Show when={props.message}>
      {(message) => (
        <p class="banner banner-error" role="alert" id={props.id}>
          {props.prefix ?? ''}
          {message()}
        </p>
      )}
    </Show>
  )
}
