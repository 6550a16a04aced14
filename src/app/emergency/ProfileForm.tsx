// What the patient says about themself for an emergency, field by field: what no record holds.
import { For, Index, type JSX } from 'solid-js'
import { BLOOD_GROUPS, MAX_CONTACTS, type EmergencyContact, type EmergencyProfile } from '../../emergency/index.ts'
import type { EmergencyCardModel } from './createEmergencyCard.ts'

/** Contact rows on the form: the saved ones and empty ones up to two, so there is always room for one more. */
const ROWS = 2

/** The contacts and the empty rows after them. */
function rowsOf(contacts: readonly EmergencyContact[]): EmergencyContact[] {
  const empty = Math.max(0, Math.min(MAX_CONTACTS, Math.max(ROWS, contacts.length + 1)) - contacts.length)
  return [...contacts, ...Array.from({ length: empty }, () => ({ name: '', phone: '' }))]
}

export function ProfileForm(props: { model: EmergencyCardModel }): JSX.Element {
  const draft = (): EmergencyProfile => props.model.draft()
  const set = (change: Partial<EmergencyProfile>): void => props.model.edit((profile) => ({ ...profile, ...change }))
  const text = (value: string): string | undefined => (value === '' ? undefined : value)
  const rows = (): EmergencyContact[] => rowsOf(draft().contacts)
  const setContact = (index: number, change: Partial<EmergencyContact>): void =>
    props.model.edit((profile) => {
      const contacts = rowsOf(profile.contacts).map((row, i) => (i === index ? { ...row, ...change } : row))
      // Trailing empty rows are form space, not contacts.
      while (contacts.length > 0 && Object.values(contacts[contacts.length - 1] ?? {}).every((v) => v === '' || v === undefined)) contacts.pop()
      return { ...profile, contacts }
    })

  return (
    <section aria-labelledby="emergency-profile-heading">
      <h2 id="emergency-profile-heading">What your records do not say</h2>
      <p class="hint">Only you write these. They are saved into your history, encrypted, and reach your other devices and your keepers like any record.</p>
      <div class="profile-form">
        <label>
          Name to call you by
          <input type="text" autocomplete="name" value={draft().name ?? ''} onInput={(e) => set({ name: text(e.currentTarget.value) })} />
        </label>
        <label>
          Blood group
          <select value={draft().bloodGroup ?? ''} onChange={(e) => set({ bloodGroup: text(e.currentTarget.value) as EmergencyProfile['bloodGroup'] })}>
            <option value="">Not stated</option>
            <For each={BLOOD_GROUPS}>{(group) => <option value={group}>{group}</option>}</For>
          </select>
        </label>
        <label>
          Preferred language
          <input type="text" value={draft().language ?? ''} onInput={(e) => set({ language: text(e.currentTarget.value) })} />
        </label>
        <label>
          Organ donor
          <select
            value={draft().organDonor === undefined ? '' : draft().organDonor === true ? 'yes' : 'no'}
            onChange={(e) => set({ organDonor: e.currentTarget.value === '' ? undefined : e.currentTarget.value === 'yes' })}
          >
            <option value="">Not stated</option>
            <option value="yes">Yes</option>
            <option value="no">No</option>
          </select>
        </label>
        <label class="wide">
          Advance directive, in your words
          <input type="text" value={draft().advanceDirective ?? ''} onInput={(e) => set({ advanceDirective: text(e.currentTarget.value) })} />
        </label>
        <label class="wide">
          Implants and devices (one a line)
          <textarea rows="2" value={draft().implants.join('\n')} onInput={(e) => set({ implants: e.currentTarget.value.split('\n') })} />
        </label>
        <label class="wide">
          A note for whoever treats you
          <textarea rows="3" value={draft().note ?? ''} onInput={(e) => set({ note: text(e.currentTarget.value) })} />
        </label>
      </div>
      <Index each={rows()}>
        {(row, i) => (
          <fieldset class="contact-row">
            <legend>Emergency contact {i + 1}</legend>
            <label>
              Name
              <input type="text" value={row().name} onInput={(e) => setContact(i, { name: e.currentTarget.value })} />
            </label>
            <label>
              Relation
              <input type="text" value={row().relation ?? ''} onInput={(e) => setContact(i, { relation: text(e.currentTarget.value) })} />
            </label>
            <label>
              Phone
              <input type="tel" autocomplete="tel" value={row().phone} onInput={(e) => setContact(i, { phone: e.currentTarget.value })} />
            </label>
          </fieldset>
        )}
      </Index>
    </section>
  )
}
