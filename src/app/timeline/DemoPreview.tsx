// The demo patient, drawn without storing anything: generated in the browser from a
// fixed seed, so a newcomer sees the timeline and the body map at once.
import type { JSX } from 'solid-js'
import { demoPatient } from '../../history/index.ts'
import { demoLog } from '../../viz/index.ts'
import HistoryViews from './HistoryViews.tsx'

export default function DemoPreview(props: { records: number }): JSX.Element {
  // eslint-disable-next-line solid/reactivity -- the size is fixed for the life of the view (the parent keys it)
  const demo = demoLog(demoPatient({ records: props.records }), { tamper: true })
  const writers = new Map(demo.writers.map((w) => [w.address.toLowerCase(), w.name]))
  return <HistoryViews source={{ blocks: () => demo.blocks, patient: demo.patient, now: () => demo.now, writers: () => writers, demo: true }} />
}
