// What a page opened through a shared path gateway shows instead of the app: why nothing opens
// here, and where to open the app instead.
import type { JSX } from 'solid-js'
import { usePageTitle } from '../ui/usePageTitle.ts'

export function SharedOriginNotice(props: { gatewayPath: string }): JSX.Element {
  usePageTitle('Open Anamnesis from its own address')
  return (
    <article>
      <h1>Open Anamnesis from its own address</h1>
      <p class="banner banner-error" role="alert">
        This page was opened through a shared IPFS gateway ({location.host}
        {props.gatewayPath}/). Every site on this gateway shares this page's origin, and with it the browser storage where Anamnesis keeps
        your keys: any of those sites could use them to read your history and write as you. So no key is created or opened here.
      </p>
      <p>
        Open the deployment's own address instead: its domain (such as <code>https://anamnesis.example.org</code>) or its subdomain gateway
        address (such as <code>https://&lt;name&gt;.ipns.&lt;gateway&gt;/</code>). Whoever gave you this link can tell you which.
      </p>
    </article>
  )
}
