import { A } from '@solidjs/router'
import type { JSX } from 'solid-js'
import { usePageTitle } from '../ui/usePageTitle.ts'

export default function NotFoundPage(): JSX.Element {
  usePageTitle('Page not found')
  return (
    <article>
      <h1>Page not found</h1>
      <p>
        There is no page at this address. Go to <A href="/">My history</A>.
      </p>
    </article>
  )
}
