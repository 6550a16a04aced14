import { onMount } from 'solid-js'

/** Sets the document title for the page, so tabs, history and screen readers name it. */
export function usePageTitle(title: string): void {
  onMount(() => {
    document.title = `${title} · Anamnesis`
  })
}
