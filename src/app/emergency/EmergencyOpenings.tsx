// What the patient is told when a clinician broke the glass on their emergency summary: who (the
// wallet the ledger names), why and when, read from the ledger's GlassBroken events, and whom to ask.
// On the first screen until the patient says they have read it (remembered on this device); on the
// Emergency page always. The audit trail lists them too.
import { A } from '@solidjs/router'
import { createResource, createSignal, For, Show, type JSX } from 'solid-js'
import { readEmergencyOpenings, type AuditEntry } from '../../chain/index.ts'
import { errorMessage } from '../../errors/index.ts'
import { formatDayAndTime } from '../../format/index.ts'
import { useApp } from '../shell/AppContext.ts'
import { ledgerContext } from '../shell/ledgerContext.ts'

type Opening = Extract<AuditEntry, { kind: 'glassBroken' }>

const seenKey = (patient: string): string => `anamnesis.emergencyOpeningsSeen.${patient.toLowerCase()}`
const positionOf = (entry: Opening): string => `${entry.blockNumber}:${entry.logIndex}`

function readSeen(patient: string): string | undefined {
  try {
    return globalThis.localStorage.getItem(seenKey(patient)) ?? undefined
  } catch {
    return undefined
  }
}

/** Whether `entry` is newer than the position the patient last acknowledged. */
function newer(entry: Opening, seen: string | undefined): boolean {
  if (seen === undefined) return true
  const [block, index] = seen.split(':')
  const seenBlock = BigInt(block ?? '0')
  return entry.blockNumber > seenBlock || (entry.blockNumber === seenBlock && entry.logIndex > Number(index ?? '0'))
}

/** The words the patient reads for one break-glass. */
function describeOpening(entry: Opening): string {
  return `Your emergency summary was opened by ${entry.actor} for ${entry.details.reason} on ${formatDayAndTime(entry.timestamp)}.`
}

/**
 * The break-glass entries of the connected patient. `acknowledge`: only those not yet acknowledged on this
 * device, with a button to acknowledge them (the first screen); otherwise all of them (the Emergency page).
 */
export function EmergencyOpenings(props: { acknowledge?: boolean }): JSX.Element {
  const app = useApp()
  const source = () => {
    const context = ledgerContext(app)
    return context === undefined ? undefined : { client: context.client, ledger: context.ledger, patient: context.wallet.address, fromBlock: context.fromBlock }
  }
  const [openings] = createResource(source, async (s) => ({ patient: s.patient, entries: (await readEmergencyOpenings(s.client, s)).filter((e): e is Opening => e.kind === 'glassBroken') }))
  const [seen, setSeen] = createSignal<string | undefined>()
  const shown = (): Opening[] => {
    const read = openings.latest
    if (read === undefined) return []
    if (props.acknowledge !== true) return read.entries
    const mark = seen() ?? readSeen(read.patient)
    return read.entries.filter((entry) => newer(entry, mark))
  }
  const acknowledge = (): void => {
    const read = openings.latest
    const newest = shown()[0]
    if (read === undefined || newest === undefined) return
    try {
      globalThis.localStorage.setItem(seenKey(read.patient), positionOf(newest))
    } catch {
      // Not remembered on this device: it shows again at the next open, which errs on the side of telling.
    }
    setSeen(positionOf(newest))
  }
  return (
    <>
      <Show when={openings.error !== undefined && props.acknowledge !== true}>
        <p class="notice">Who opened your emergency summary could not be read from the ledger: {errorMessage(openings.error)}</p>
      </Show>
      <Show when={shown().length > 0}>
        <section class="notice emergency-openings" aria-labelledby="emergency-openings-heading">
          <h2 id="emergency-openings-heading">Your emergency summary was opened</h2>
          <ul>
            <For each={shown()}>{(entry) => <li>{describeOpening(entry)}</li>}</For>
          </ul>
          <p>
            Each opening is recorded on the public ledger by the clinician's wallet, with their reason. If you do not know why, ask the hospital or emergency
            service that treated you on that day, giving them the address above; your <A href="/audit">audit trail</A> lists every opening.
          </p>
          <Show when={props.acknowledge === true}>
            <button type="button" onClick={acknowledge}>
              I have read this
            </button>
          </Show>
        </section>
      </Show>
    </>
  )
}
