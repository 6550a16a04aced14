// The user's own history drawn: the same views as the demo, over the blocks of the
// encrypted log on this device, with their verdicts.
import { createMemo, type JSX } from 'solid-js'
import { isDemoRecord } from '../../history/index.ts'
import type { AttachmentFiles } from '../../session/index.ts'
import type { OwnHistory } from '../session/createHistorySession.ts'
import { useVisits } from '../visit/VisitsContext.ts'
import HistoryViews from './HistoryViews.tsx'

export default function OwnHistoryViews(props: { own: OwnHistory; hideDemo: boolean; files: AttachmentFiles | undefined }): JSX.Element {
  const own = (): OwnHistory => props.own
  const blocks = createMemo(() => {
    const all = own().blocks()
    return props.hideDemo ? all.filter((block) => block.entry === undefined || !isDemoRecord(block.entry.record)) : all
  })
  const visits = useVisits()
  // Doctors met in this session's visits go by the name they gave (self-declared); others by their address.
  const writers = createMemo(
    () =>
      new Map([
        ...visits.requests().map((request): [string, string] => [request.doctor.toLowerCase(), `${request.name === '' ? 'A doctor' : request.name} (name they gave, ${request.doctor})`]),
        [own().history.patient.toLowerCase(), 'You']
      ])
  )
  return <HistoryViews source={{ blocks, patient: own().history.patient, now: () => (own().version(), Date.now()), writers, misconduct: () => own().misconduct(), files: () => props.files }} />
}
