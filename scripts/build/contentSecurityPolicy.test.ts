import { describe, expect, it } from 'vitest'
import { allowConnections, APP_POLICY, readPolicy, withPolicy } from './contentSecurityPolicy.ts'

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Anamnesis</title>
    <script type="module" crossorigin src="./assets/index.js"></script>
    <link rel="stylesheet" crossorigin href="./assets/index.css">
  </head>
</html>`

describe('the Content-Security-Policy of the built page', () => {
  it('goes right after the charset, ahead of every script and stylesheet, and reads back as written', () => {
    const html = withPolicy(page)
    expect(html.indexOf('Content-Security-Policy')).toBeGreaterThan(html.indexOf('<meta charset'))
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'))
    expect(readPolicy(html)).toEqual(APP_POLICY)
  })

  it('allows no inline script, no eval, no plugin and no <base>', () => {
    const sources = Object.values(APP_POLICY).flat()
    expect(sources).not.toContain("'unsafe-inline'")
    expect(sources).not.toContain("'unsafe-eval'")
    expect(sources).not.toContain("'wasm-unsafe-eval'")
    expect(APP_POLICY['script-src']).toEqual(["'self'"])
    expect(APP_POLICY['object-src']).toEqual(["'none'"])
    expect(APP_POLICY['base-uri']).toEqual(["'none'"])
  })

  it('refuses a page where it could not come first', () => {
    expect(() => withPolicy('<html><head><title>x</title></head></html>')).toThrow(/no <meta charset>/)
    expect(() => withPolicy('<html><head><script src="a.js"></script><meta charset="utf-8"></head></html>')).toThrow(/before its <meta charset>/)
  })

  it('reads a policy whose quotes are written as entities', () => {
    expect(readPolicy(`<meta http-equiv="Content-Security-Policy" content="script-src &#39;self&#39;; object-src &#39;none&#39;">`)).toEqual({
      'script-src': ["'self'"],
      'object-src': ["'none'"]
    })
  })

  it('lets the local stack add its loopback sources to connect-src and nothing else', () => {
    const html = allowConnections(withPolicy(page), ['http://127.0.0.1:*', 'ws://127.0.0.1:*'])
    expect(readPolicy(html)).toEqual({ ...APP_POLICY, 'connect-src': ["'self'", 'https:', 'wss:', 'http://127.0.0.1:*', 'ws://127.0.0.1:*'] })
    expect(allowConnections(page, ['http://127.0.0.1:*'])).toBe(page)
  })

  it("lets the link viewer fetch a keeper's manifest at any https: origin, and no plain-http one (which a link may not name off loopback)", () => {
    expect(APP_POLICY['connect-src']).toContain('https:')
    expect(APP_POLICY['connect-src']?.some((source) => source.startsWith('http:'))).toBe(false)
  })
})
