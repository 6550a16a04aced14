import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fixInitChannel } from './webrtcInitChannel.ts'

const require = createRequire(import.meta.url)
const installed = (): string => {
  const main = require.resolve('@libp2p/webrtc')
  return readFileSync(path.join(path.dirname(main), 'private-to-private', 'initiate-connection.js'), 'utf8')
}

describe('the init channel fix for @libp2p/webrtc', () => {
  it('applies to the installed library: it waits for open only while connecting, and for close only until closed', () => {
    const fixed = fixInitChannel(installed())
    expect(fixed).toContain("if (channel.readyState === 'connecting') { await pEvent(channel, 'open', { signal, rejectionEvents: ['close', 'error'] }); }")
    expect(fixed).toContain("if (channel.readyState !== 'closed') { await pEvent(channel, 'close', { signal }); }")
    expect(fixed).not.toContain("channel.readyState !== 'open'")
  })

  it('refuses code it does not recognise, rather than building without the fix', () => {
    expect(() => fixInitChannel('export async function initiateConnection() {}')).toThrow(/no longer applies/)
  })
})
