// The patient's shared links as the pages show them: each keeper's list (state, openings), the label
// each was given (kept in this browser only: the keeper never sees it, since a label can say what is
// shared), and deactivation.
import { createSignal, type Accessor } from 'solid-js'
import { errorMessage } from '../../errors/index.ts'
import { loadHealthLinks, type LinkKeepers, type PatientLink } from '../../session/index.ts'

export type SharedLinksState = { state: 'idle' } | { state: 'loading' } | { state: 'ready' } | { state: 'failed'; error: string }

export interface SharedLinks {
  state: Accessor<SharedLinksState>
  links: Accessor<readonly PatientLink[]>
  /** Keepers that could not say, in words. */
  problems: Accessor<readonly string[]>
  refresh(): Promise<void>
  deactivate(link: PatientLink): Promise<void>
  label(id: string): string | undefined
  remember(id: string, label: string): void
}

const labelsKey = (patient: string): string => `anamnesis:shared-link-labels:${patient.toLowerCase()}`

function readLabels(patient: string): Record<string, string> {
  try {
    const parsed = JSON.parse(globalThis.localStorage.getItem(labelsKey(patient)) ?? '{}') as unknown
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, string>) : {}
  } catch {
    return {}
  }
}

/** The shared links of `patient` through `keepers` (undefined while the history is not open here). */
export function createSharedLinks(patient: Accessor<string | undefined>, keepers: () => LinkKeepers | undefined): SharedLinks {
  const [state, setState] = createSignal<SharedLinksState>({ state: 'idle' })
  const [links, setLinks] = createSignal<readonly PatientLink[]>([])
  const [problems, setProblems] = createSignal<readonly string[]>([])
  const [labels, setLabels] = createSignal<Record<string, string>>({})

  const refresh = async (): Promise<void> => {
    const who = patient()
    const through = keepers()
    if (who === undefined || through === undefined) return
    setLabels(readLabels(who))
    setState({ state: 'loading' })
    try {
      const { listSharedLinks } = await loadHealthLinks()
      const listed = await listSharedLinks(through)
      setLinks(listed.links)
      setProblems(listed.problems)
      setState({ state: 'ready' })
    } catch (error) {
      setState({ state: 'failed', error: errorMessage(error) })
    }
  }

  return {
    state,
    links,
    problems,
    refresh,
    deactivate: async (link) => {
      const through = keepers()
      if (through === undefined) return
      const { deactivateSharedLink } = await loadHealthLinks()
      await deactivateSharedLink(through, link)
      await refresh()
    },
    label: (id) => labels()[id],
    remember: (id, label) => {
      const who = patient()
      if (who === undefined || label === '') return
      const next = { ...readLabels(who), [id]: label }
      try {
        globalThis.localStorage.setItem(labelsKey(who), JSON.stringify(next))
      } catch {
        // A full or closed storage loses the label only: the link itself is with the keeper.
      }
      setLabels(next)
    }
  }
}
