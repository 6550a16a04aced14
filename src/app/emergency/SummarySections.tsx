// An International Patient Summary's sections in plain words, as read by readSummary: the emergency
// summary a keeper released and the summary a shared link holds are drawn alike.
import { For, Show, type JSX } from 'solid-js'
import type { ReadSection } from '../../emergency/index.ts'

export function SummarySections(props: { sections: readonly ReadSection[] }): JSX.Element {
  return (
    <For each={props.sections}>
      {(section) => (
        <section class="summary-section" aria-label={section.title}>
          <h4>{section.title}</h4>
          <Show when={section.lines.length > 0} fallback={<p class="hint">{section.empty ? 'No information available (the summary says so).' : 'No information available.'}</p>}>
            <ul>
              <For each={section.lines}>{(line) => <li>{line}</li>}</For>
            </ul>
          </Show>
        </section>
      )}
    </For>
  )
}
