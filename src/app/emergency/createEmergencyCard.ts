// The patient's emergency card as the page uses it: the profile and choices as the history holds
// them, a draft the patient edits, and the summary and card composed from the latest history and
// the draft, again whenever the history changes. Saving writes the profile into the history
// (src/emergency profileRecord.ts: a sealed record that follows the patient to every device and keeper).
import { createEffect, createMemo, createSignal, on, type Accessor } from 'solid-js'
import {
  cardLinkExpired,
  contactItems,
  formatCardLink,
  EmergencyError,
  emergencySummary,
  EMPTY_PROFILE,
  fitCard,
  offlineTier,
  parseProfile,
  profileRecord,
  storedProfile,
  type CardInUse,
  type EmergencyProfile,
  type EmergencySummary,
  type FittedCard,
  type StoredProfile,
  type SummaryItem
} from '../../emergency/index.ts'
import { errorMessage } from '../../errors/index.ts'
import type { Keepers, OwnHistory } from '../session/createHistorySession.ts'

export type PublishStep =
  | { step: 'idle' }
  | { step: 'publishing'; replacing: boolean }
  | { step: 'published'; at: number; replaced: boolean }
  | { step: 'failed'; error: string }

export type SaveStep = { step: 'idle' } | { step: 'saving' } | { step: 'saved'; at: number } | { step: 'failed'; error: string }

export interface EmergencyCardModel {
  stored: Accessor<StoredProfile>
  /** The profile as the patient is editing it, not yet checked. */
  draft: Accessor<EmergencyProfile>
  /** Why the draft cannot be saved (a field out of form), or undefined. */
  draftProblem: Accessor<string | undefined>
  /** Whether the draft differs from what the history holds. */
  unsaved: Accessor<boolean>
  summary: Accessor<EmergencySummary>
  /** Contacts and language, as items the patient may leave out. */
  contacts: Accessor<(Pick<SummaryItem, 'key' | 'label' | 'detail'> & { included: boolean })[]>
  card: Accessor<FittedCard | { error: string }>
  saveStep: Accessor<SaveStep>
  /** The link the card's QR code carries to the full tier, once the card is published (and while it has not expired). */
  link: Accessor<string | undefined>
  /** Whether the history names a card in use (published on the keepers). */
  published: Accessor<boolean>
  publishStep: Accessor<PublishStep>
  /**
   * Saves the profile as drafted and leaves the summary, sealed, with the patient's keepers: under the card in
   * use (a refresh: the printed link stays valid), or under a new card when `replace` is set or none is in use.
   */
  publish(replace?: boolean): Promise<void>
  edit(change: (profile: EmergencyProfile) => EmergencyProfile): void
  /** Keeps an item in (true) or leaves it out (false) of the summary and the card. */
  include(key: string, included: boolean): void
  /** Puts an item the summary keeps on the card (true), or leaves it off the card only (false). */
  putOnCard(key: string, on: boolean): void
  save(): Promise<void>
  /** Drops the draft's changes: back to what the history holds. */
  revert(): void
}

/** The draft as the profile it stands for: contact rows and implant lines left empty are no contact and no implant. */
function cleaned(profile: EmergencyProfile): EmergencyProfile {
  return {
    ...profile,
    contacts: profile.contacts.filter((c) => c.name.trim() !== '' || c.phone.trim() !== '' || (c.relation ?? '').trim() !== ''),
    implants: profile.implants.filter((implant) => implant.trim() !== '')
  }
}

/** What the card needs besides the history. */
export interface EmergencyCardOptions {
  now?: () => number
  /** The patient's keepers, which hold the full tier; undefined while none can be reached from this device. */
  keepers?: Accessor<Keepers | undefined>
}

/** The emergency card of the patient's own history, open on this device. */
export function createEmergencyCard(own: OwnHistory, options: EmergencyCardOptions = {}): EmergencyCardModel {
  const now = options.now ?? Date.now
  const patient = own.history.patient
  const stored = createMemo(() => {
    own.version()
    return storedProfile(own.history.entries(), patient)
  })
  const [draft, setDraft] = createSignal<EmergencyProfile>(stored().profile)
  const [unsaved, setUnsaved] = createSignal(false)
  const [saveStep, setSaveStep] = createSignal<SaveStep>({ step: 'idle' })
  // What another device saved arrives through the history: it replaces the draft unless the patient is editing it.
  createEffect(
    on(stored, (next) => {
      if (!unsaved()) setDraft(next.profile)
    })
  )

  // The summary and the card follow the draft while it is sound, and keep its last sound form while a field is out of form.
  let lastValid: EmergencyProfile = EMPTY_PROFILE
  const checked = createMemo((): { profile: EmergencyProfile; problem?: string } => {
    try {
      return { profile: parseProfile(cleaned(draft())) }
    } catch (error) {
      if (!(error instanceof EmergencyError)) throw error
      return { profile: lastValid, problem: error.message }
    }
  })
  const valid = createMemo(() => (lastValid = checked().profile))

  const summary = createMemo(() => {
    own.version()
    return emergencySummary({ patient, entries: own.history.entries(), profile: valid(), now: now() })
  })
  const link = createMemo((): string | undefined => {
    const inUse = stored().card
    if (inUse === undefined || cardLinkExpired(inUse, now())) return undefined
    try {
      return formatCardLink({ patient: patient.toLowerCase() as `0x${string}`, keeper: inUse.keeper, key: inUse.key, expires: inUse.expires, flags: ['L'], label: 'Emergency summary' })
    } catch {
      return undefined
    }
  })
  const card = createMemo((): FittedCard | { error: string } => {
    try {
      return fitCard(offlineTier(summary().items, valid(), link()))
    } catch (error) {
      return { error: errorMessage(error) }
    }
  })

  const [publishStep, setPublishStep] = createSignal<PublishStep>({ step: 'idle' })

  /** Writes the profile (and the card in use with it) into the history: a new record, or an amendment of the one there. */
  const write = async (profile: EmergencyProfile, inUse: CardInUse | undefined): Promise<void> => {
    const record = profileRecord(profile, patient, now(), inUse)
    const entryId = stored().entryId
    if (entryId === undefined) await own.add([record])
    else await own.amend(entryId, record)
    setUnsaved(false)
    setDraft(profile)
  }

  const publish = async (replace = false): Promise<void> => {
    const keepers = options.keepers?.()
    if (keepers === undefined || keepers.list().length === 0) {
      setPublishStep({ step: 'failed', error: 'Your full emergency summary is held by your keepers, and you have none yet: enrol one in Settings → Keepers.' })
      return
    }
    let profile: EmergencyProfile
    try {
      profile = parseProfile(cleaned(draft()))
    } catch (error) {
      setPublishStep({ step: 'failed', error: `Nothing was published: ${errorMessage(error)}` })
      return
    }
    const before = stored().card
    const inUse = replace || before === undefined || cardLinkExpired(before, now()) ? undefined : before
    setPublishStep({ step: 'publishing', replacing: inUse === undefined && before !== undefined })
    try {
      const bytes = new TextEncoder().encode(JSON.stringify(summary().bundle))
      const next = await keepers.publishCard(bytes, inUse, now())
      const sameCard = before !== undefined && next.keeper === before.keeper && next.expires === before.expires && next.key.every((b, i) => b === before.key[i])
      if (!sameCard || unsaved()) await write(profile, next)
      setPublishStep({ step: 'published', at: now(), replaced: before !== undefined && !sameCard })
    } catch (error) {
      setPublishStep({ step: 'failed', error: `Your emergency card was not published: ${errorMessage(error)}` })
    }
  }

  const edit = (change: (profile: EmergencyProfile) => EmergencyProfile): void => {
    setDraft((profile) => change(profile))
    setUnsaved(true)
    if (saveStep().step !== 'saving') setSaveStep({ step: 'idle' })
  }

  return {
    stored,
    draft,
    draftProblem: () => checked().problem,
    unsaved,
    summary,
    contacts: createMemo(() => contactItems(valid())),
    card,
    saveStep,
    link,
    published: () => stored().card !== undefined,
    publishStep,
    publish,
    edit,
    include: (key, included) =>
      edit((profile) => ({ ...profile, excluded: included ? profile.excluded.filter((k) => k !== key) : [...new Set([...profile.excluded, key])] })),
    putOnCard: (key, on) => edit((profile) => ({ ...profile, offCard: on ? profile.offCard.filter((k) => k !== key) : [...new Set([...profile.offCard, key])] })),
    async save() {
      let profile: EmergencyProfile
      try {
        profile = parseProfile(cleaned(draft()))
      } catch (error) {
        setSaveStep({ step: 'failed', error: `Nothing was saved: ${errorMessage(error)}` })
        return
      }
      setSaveStep({ step: 'saving' })
      try {
        // The card in use stays with the profile.
        await write(profile, stored().card)
        setSaveStep({ step: 'saved', at: now() })
      } catch (error) {
        setSaveStep({ step: 'failed', error: `Your emergency profile was not saved: ${errorMessage(error)}` })
        return
      }
      // The keepers' summary follows what was saved.
      if (stored().card !== undefined && options.keepers?.() !== undefined) await publish(false)
    },
    revert() {
      setUnsaved(false)
      setDraft(stored().profile)
      setSaveStep({ step: 'idle' })
    }
  }
}
