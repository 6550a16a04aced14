// The app's Content-Security-Policy, written into the built index.html as a meta tag ahead of
// every script and stylesheet. It allows only what the built app loads: its own scripts, styles,
// worker and manifest; images of its own, the data: URL the invite's QR code is drawn as, and the
// blob: URL of an attached image once opened and checked (a PDF opens in its own tab, outside this policy); and
// connections to its own origin (config.json) and to https:/wss: (config.json names the chain's
// RPC and the relays at run time, and a SMART Health Link names the keeper whose manifest the
// viewer fetches, so they cannot be listed here). No inline script, no eval (the page compiles
// no WebAssembly, so not even 'wasm-unsafe-eval': the import's signing worker does, under its own
// response's policy, see the README), no plugins, no <base>, no form posts.
// frame-ancestors and reporting cannot be set by a meta tag: whoever serves the app sets them as
// headers (see the README). The dev server (`npm start`) injects styles inline and gets no policy.
import type { Plugin } from 'vite'

/** A policy as directive → sources. */
export type Policy = Readonly<Record<string, readonly string[]>>

export const APP_POLICY: Policy = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  // blob: for an attached image, opened and checked in the page and shown from memory; nothing else loads from blob:.
  'img-src': ["'self'", 'data:', 'blob:'],
  'connect-src': ["'self'", 'https:', 'wss:'],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"]
}

export function formatPolicy(policy: Policy): string {
  return Object.entries(policy)
    .map(([directive, sources]) => [directive, ...sources].join(' '))
    .join('; ')
}

export function parsePolicy(text: string): Record<string, string[]> {
  const policy: Record<string, string[]> = {}
  for (const part of text.split(';')) {
    const [directive, ...sources] = part.trim().split(/\s+/)
    if (directive !== undefined && directive !== '') policy[directive.toLowerCase()] = sources
  }
  return policy
}

const META = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"\s*\/?>/i

/** The policy of an HTML page's meta tag, or undefined when it has none. */
export function readPolicy(html: string): Record<string, string[]> | undefined {
  const content = META.exec(html)?.[1]
  return content === undefined ? undefined : parsePolicy(content.replaceAll('&#39;', "'").replaceAll('&quot;', '"').replaceAll('&amp;', '&'))
}

/**
 * The page with `sources` added to its policy's connect-src: the local stack's server adds its
 * loopback chain and relay this way. A header cannot do it: every policy a page has is enforced,
 * so a second one can only narrow the first.
 */
export function allowConnections(html: string, sources: readonly string[]): string {
  const policy = readPolicy(html)
  if (policy === undefined) return html
  const connect = policy['connect-src'] ?? []
  const widened = { ...policy, 'connect-src': [...connect, ...sources.filter((s) => !connect.includes(s))] }
  return html.replace(META, () => metaTag(widened))
}

function metaTag(policy: Policy): string {
  return `<meta http-equiv="Content-Security-Policy" content="${formatPolicy(policy)}" />`
}

/**
 * The page with `policy` as its first meta tag after the charset: a policy from a meta tag
 * governs only what comes after it, so it goes ahead of every script and stylesheet.
 */
export function withPolicy(html: string, policy: Policy = APP_POLICY): string {
  const charset = /<meta charset="[^"]*"\s*\/?>/i.exec(html)
  if (charset === null) throw new Error('index.html has no <meta charset>: the Content-Security-Policy goes right after it')
  const at = charset.index + charset[0].length
  if (/<(script|link|style)\b/i.test(html.slice(0, at))) throw new Error('index.html loads something before its <meta charset>: the Content-Security-Policy would not govern it')
  return `${html.slice(0, at)}\n    ${metaTag(policy)}${html.slice(at)}`
}

/** Puts {@link APP_POLICY} into the built index.html, once Vite has added its scripts and styles. */
export function contentSecurityPolicy(): Plugin {
  return {
    name: 'anamnesis:content-security-policy',
    apply: 'build',
    transformIndexHtml: { order: 'post', handler: (html) => withPolicy(html) }
  }
}
