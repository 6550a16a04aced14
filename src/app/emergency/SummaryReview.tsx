// The patient chooses item by item what goes into the emergency summary and the card: everything
// relevant is in until unticked. Below, the summary as the document says it, section by section.
import { For, Show, type JSX } from 'solid-js'
import { SECTIONS, type SummaryItem } from '../../emergency/index.ts'
import { formatRecordDay } from '../../format/index.ts'
import type { EmergencyCardModel } from './createEmergencyCard.ts'

/** What the card can carry: allergies, problems, medicines, blood group, directive, organ donation, contacts and language. */
const CARD_SECTIONS = new Set(['allergies', 'problems', 'medications'])
const CARD_PROFILE_KEYS = new Set(['profile:bloodGroup', 'profile:advanceDirective', 'profile:organDonor', 'profile:language'])
const fitsCard = (item: { key: string; section?: string }): boolean =>
  (item.section !== undefined && CARD_SECTIONS.has(item.section)) || CARD_PROFILE_KEYS.has(item.key) || item.key.startsWith('profile:contact:')

const itemText = (item: Pick<SummaryItem, 'label' | 'detail' | 'at'>): string =>
  `${item.label}${item.detail === undefined ? '' : `: ${item.detail}`}${item.at === undefined ? '' : ` (${formatRecordDay(item.at)})`}`

export function SummaryChoices(props: { model: EmergencyCardModel }): JSX.Element {
  const inSection = (id: string): SummaryItem[] => props.model.summary().items.filter((item) => item.section === id)
  const offCard = (): Set<string> => new Set(props.model.draft().offCard)
  const checkbox = (item: Pick<SummaryItem, 'key' | 'label' | 'detail' | 'at' | 'included'> & { section?: string }): JSX.Element => (
    <li>
      <label>
        <input type="checkbox" checked={item.included} onChange={(e) => props.model.include(item.key, e.currentTarget.checked)} /> {itemText(item)}
      </label>
      <Show when={fitsCard(item)}>
        <label class="on-card">
          <input
            type="checkbox"
            checked={item.included && !offCard().has(item.key)}
            disabled={!item.included}
            aria-label={`On the card: ${item.label}`}
            onChange={(e) => props.model.putOnCard(item.key, e.currentTarget.checked)}
          />{' '}
          on the card
        </label>
      </Show>
    </li>
  )
  return (
    <section aria-labelledby="emergency-choices-heading">
      <h2 id="emergency-choices-heading">Choose what goes in</h2>
      <p class="hint">
        Everything that matters in an emergency is in; untick what you would rather leave out. The summary never says that something was left out. Anyone who
        finds your card reads what is "on the card"; untick that to keep an item for clinicians only.
      </p>
      <For each={SECTIONS.filter((section) => inSection(section.id).length > 0)}>
        {(section) => (
          <fieldset class="summary-choices">
            <legend>{section.title}</legend>
            <ul>
              <For each={inSection(section.id)}>{checkbox}</For>
            </ul>
          </fieldset>
        )}
      </For>
      <Show when={props.model.contacts().length > 0}>
        <fieldset class="summary-choices">
          <legend>Contacts and language</legend>
          <ul>
            <For each={props.model.contacts()}>{checkbox}</For>
          </ul>
        </fieldset>
      </Show>
    </section>
  )
}

export function SummaryView(props: { model: EmergencyCardModel }): JSX.Element {
  const kept = (id: string): SummaryItem[] => props.model.summary().items.filter((item) => item.section === id && item.included)
  const contacts = () => props.model.contacts().filter((c) => c.included)
  return (
    <section aria-labelledby="emergency-summary-heading" class="emergency-summary">
      <h2 id="emergency-summary-heading">Your emergency summary</h2>
      <p>
        Last refreshed: <time dateTime={new Date(props.model.summary().composedAt).toISOString()}>{new Date(props.model.summary().composedAt).toLocaleString()}</time>.
        It is composed again whenever your history changes.
      </p>
      <For each={SECTIONS.filter((section) => section.required || kept(section.id).length > 0)}>
        {(section) => (
          <section class="summary-section" aria-label={section.title}>
            <h3>{section.title}</h3>
            <Show when={kept(section.id).length > 0} fallback={<p class="hint">No information available (the summary says so).</p>}>
              <ul>
                <For each={kept(section.id)}>{(item) => <li>{itemText(item)}</li>}</For>
              </ul>
            </Show>
          </section>
        )}
      </For>
      <Show when={contacts().length > 0}>
        <section class="summary-section" aria-label="Contacts and language">
          <h3>Contacts and language</h3>
          <ul>
            <For each={contacts()}>{(item) => <li>{itemText(item)}</li>}</For>
          </ul>
        </section>
      </Show>
    </section>
  )
}
