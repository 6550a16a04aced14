// A fix applied to @libp2p/webrtc (6.0.33) as the app is bundled, until the library has it.
//
// Dialling a browser, the library opens an 'init' data channel, waits for the connection, then
// waits for that channel's 'open' event, closes it and waits for 'close'. The other side's muxer
// closes an 'init' channel the moment it sees one. When that close lands before this side's
// "connected" event (measured here: one dial in three between two local browsers), the channel
// is already closed, its 'open' event never comes again, and the dial hangs until it times out.
// The fix waits for 'open' only while the channel is still connecting (and gives up at once if
// it closes instead of opening), and for 'close' only while it is not closed yet.
import type { Plugin } from 'vite'

const FILE = /@libp2p[\\/]webrtc[\\/]dist[\\/]src[\\/]private-to-private[\\/]initiate-connection\.js$/

// The library's statements, matched loosely on whitespace.
const WAIT_FOR_OPEN = /if \(channel\.readyState !== 'open'\) \{\s*log\.trace\('wait for init channel to open'\);\s*await pEvent\(channel, 'open', \{\s*signal\s*\}\);\s*\}/
const WAIT_FOR_CLOSE = /await pEvent\(channel, 'close', \{\s*signal\s*\}\);/

export function fixInitChannel(code: string): string {
  if (!WAIT_FOR_OPEN.test(code) || !WAIT_FOR_CLOSE.test(code)) {
    throw new Error(
      '@libp2p/webrtc changed its initiate-connection.js: the init channel fix in scripts/build/webrtcInitChannel.ts no longer applies. ' +
        'Check whether the new version waits only for a channel that is still connecting, and drop the fix if it does.'
    )
  }
  return code
    .replace(WAIT_FOR_OPEN, "if (channel.readyState === 'connecting') { await pEvent(channel, 'open', { signal, rejectionEvents: ['close', 'error'] }); }")
    .replace(WAIT_FOR_CLOSE, "if (channel.readyState !== 'closed') { await pEvent(channel, 'close', { signal }); }")
}

/** For the build and for the dev server's dependency bundle alike. */
export function webrtcInitChannel(): Plugin {
  return {
    name: 'anamnesis:webrtc-init-channel',
    transform(code, id) {
      return FILE.test(id) ? { code: fixInitChannel(code), map: null } : undefined
    }
  }
}
