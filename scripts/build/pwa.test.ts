import { describe, expect, it } from 'vitest'
import { isConfigRequest } from './pwa.ts'

const request = (href: string, page = 'https://anamnesis.example/'): { url: URL; sameOrigin: boolean } => {
  const url = new URL(href, page)
  return { url, sameOrigin: url.origin === new URL(page).origin }
}

describe("the service worker's route for config.json", () => {
  it("takes the deployment's config.json beside index.html, at the root or under a sub-path", () => {
    expect(isConfigRequest(request('./config.json'))).toBe(true)
    expect(isConfigRequest(request('./config.json', 'https://gateway.example/app/v2/'))).toBe(true)
  })

  it('leaves every other request to the precache or the network', () => {
    expect(isConfigRequest(request('./assets/config.json.js'))).toBe(false)
    expect(isConfigRequest(request('./myconfig.json'))).toBe(false)
    expect(isConfigRequest(request('https://rpc.example/config.json'))).toBe(false)
  })
})
