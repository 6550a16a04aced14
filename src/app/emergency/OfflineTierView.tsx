// What an emergency card says to anyone, large and plain, allergies first: the clinician's
// screen after a scan. Long words wrap, so nothing is cut off when the page is zoomed.
import { For, Show, type JSX } from 'solid-js'
import type { OfflineTier } from '../../emergency/index.ts'

export function OfflineTierView(props: { tier: OfflineTier; heading?: string }): JSX.Element {
  const t = (): OfflineTier => props.tier
  return (
    <section class="offline-tier" aria-labelledby="offline-tier-heading">
      <h2 id="offline-tier-heading">{props.heading ?? 'What the card says'}</h2>
      <Show when={t().name}>{(name) => <p class="offline-tier-name">{name()}</p>}</Show>
      <h3>Allergies</h3>
      <Show when={t().allergies.length > 0} fallback={<p>No allergies on the card.</p>}>
        <ul class="offline-tier-allergies" aria-label="Allergies">
          <For each={t().allergies}>
            {(allergy) => (
              <li classList={{ severe: allergy.critical }}>
                <Show when={allergy.critical}>
                  <strong>High risk: </strong>
                </Show>
                {allergy.substance}
                <Show when={allergy.reaction}>{(reaction) => <> (reaction: {reaction()})</>}</Show>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <dl class="offline-tier-facts">
        <Show when={t().bloodGroup}>
          {(group) => (
            <>
              <dt>Blood group</dt>
              <dd>{group()}</dd>
            </>
          )}
        </Show>
        <Show when={t().advanceDirective}>
          {(directive) => (
            <>
              <dt>Advance directive</dt>
              <dd>{directive()}</dd>
            </>
          )}
        </Show>
        <Show when={t().conditions.length > 0}>
          <dt>Conditions</dt>
          <dd>{t().conditions.join('; ')}</dd>
        </Show>
        <Show when={t().medicines.length > 0}>
          <dt>Medicines</dt>
          <dd>{t().medicines.join('; ')}</dd>
        </Show>
        <For each={t().contacts}>
          {(contact) => (
            <>
              <dt>Contact{contact.relation === undefined ? '' : ` (${contact.relation})`}</dt>
              <dd>
                {contact.name}: <a href={`tel:${contact.phone.replace(/[^+0-9]/g, '')}`}>{contact.phone}</a>
              </dd>
            </>
          )}
        </For>
        <Show when={t().language}>
          {(language) => (
            <>
              <dt>Language</dt>
              <dd>{language()}</dd>
            </>
          )}
        </Show>
        <Show when={t().organDonor !== undefined}>
          <dt>Organ donor</dt>
          <dd>{t().organDonor === true ? 'Yes' : 'No'}</dd>
        </Show>
      </dl>
    </section>
  )
}
