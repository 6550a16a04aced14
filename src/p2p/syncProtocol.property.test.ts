// Property tests of the sync protocol against a peer that sends anything: the hello check
// (checkHello), the holder (serveLog's handler) and the puller (pullLog). The two ends read each
// message's shape inline, so they are driven here through what the module exports, over a libp2p
// faked just enough to hand them a stream; the wallets and signatures are real. Over the same fakes,
// one example: the window a puller asks for, by transport.
import * as dagCbor from '@ipld/dag-cbor'
import type { Connection, Libp2p, PeerId, StreamHandler } from '@libp2p/interface'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { faithfulValue, fakeStream, frameOf, fuzzRuns, type FakeStream } from '../../test/support/fuzz.ts'
import { DER_VARIANTS, derVariant, walletIdentityOf } from '../../test/support/signatureVariants.ts'
import type { PeerConduct } from './peerConduct.ts'
import { authStatement, checkHello, pullLog, serveLog, SYNC_PROTOCOL, type Frame, type SyncAuthority, type SyncSource } from './syncProtocol.ts'
import { TEST_DOMAIN } from '../../test/support/walletSignatures.ts'
import { useIdentityDomain, type VerifiedIdentity, type WalletIdentity } from './walletIdentity.ts'

const runs = fuzzRuns()
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'
const OTHER_LOG = '/orbitdb/zdpuB1iPuRdJUAWgHRNq3PZrjpiRZKoZ3EJTLLiENGGobYViS'
const MAX_HAVE = 1024
const MAX_WINDOW = 8192
const HOLDER_PEER = '12D3KooWHolderHolderHolderHolderHolderHolderHold'
const PULLER_PEER = '12D3KooWPullerPullerPullerPullerPullerPullerPull'
const peerId = (id: string): PeerId => ({ toString: () => id }) as unknown as PeerId

/** This device (the patient), a peer it syncs with (a doctor with a grant), and a wallet it does not. */
let patient: WalletIdentity
let doctor: WalletIdentity
let stranger: WalletIdentity
/** The doctor's hello as a puller to the holder, and as a holder to the puller: signed once, sent every run. */
let pullerHello: { t: 'hello'; log: string; identity: Uint8Array; signature: Uint8Array }
let holderHello: { t: 'hello'; identity: Uint8Array; signature: Uint8Array }
/** Signatures made once: signing every run would cost more than all the rest. */
const signed = new Map<string, Uint8Array>()

async function sign(identity: WalletIdentity, data: Uint8Array): Promise<Uint8Array> {
  const key = `${identity.hash}:${bytesToHex(data)}`
  const known = signed.get(key)
  if (known !== undefined) return known
  const signature = hexToBytes(await identity.sign(identity, data))
  signed.set(key, signature)
  return signature
}

/** Who this device is for the log: the patient, syncing with the patient's own wallet and the doctor's. */
const authority = (): SyncAuthority => ({
  identity: patient.bytes,
  sign: (data) => sign(patient, data),
  admits: (wallet) => Promise.resolve(wallet === patient.verified.address || wallet === doctor.verified.address)
})

beforeAll(async () => {
  // As startHistoryOrbit does: this device checks identities against its own origin and deployment.
  useIdentityDomain(TEST_DOMAIN)
  // anvil's development accounts 0 to 2: public test keys.
  patient = await walletIdentityOf('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
  doctor = await walletIdentityOf('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
  stranger = await walletIdentityOf('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
  pullerHello = { t: 'hello', log: LOG, identity: doctor.bytes, signature: await sign(doctor, authStatement(LOG, PULLER_PEER, HOLDER_PEER, 'puller')) }
  holderHello = { t: 'hello', identity: doctor.bytes, signature: await sign(doctor, authStatement(LOG, HOLDER_PEER, PULLER_PEER, 'holder')) }
})

/** The messages in the bytes a side sent (each u32be(length) ‖ dag-cbor), up to the first that is none. */
function messagesIn(sent: readonly Uint8Array[]): Record<string, unknown>[] {
  const bytes = Uint8Array.from(sent.flatMap((chunk) => [...chunk]))
  const messages: Record<string, unknown>[] = []
  const asMessage = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : { value })
  for (let at = 0; at + 4 <= bytes.length; ) {
    const length = new DataView(bytes.buffer, at, 4).getUint32(0)
    if (at + 4 + length > bytes.length) break
    try {
      messages.push(asMessage(dagCbor.decode(bytes.subarray(at + 4, at + 4 + length))))
    } catch {
      break
    }
    at += 4 + length
  }
  return messages
}

const isBytes = (value: unknown): boolean => ArrayBuffer.isView(value) && value instanceof Uint8Array
const isStrings = (value: unknown, max: number): boolean => Array.isArray(value) && value.length <= max && value.every((item) => typeof item === 'string')
const sameBytes = (a: unknown, b: Uint8Array): boolean => isBytes(a) && bytesToHex(a as Uint8Array) === bytesToHex(b)

/** Whether the first message in a peer's bytes is the doctor's own hello: its identity and signature, whatever else it carries. */
const opensWith = (chunks: readonly Uint8Array[], hello: { identity: Uint8Array; signature: Uint8Array; log?: string }): boolean => {
  const [first] = messagesIn(chunks)
  return first?.t === 'hello' && sameBytes(first.identity, hello.identity) && sameBytes(first.signature, hello.signature) && (hello.log === undefined || first.log === hello.log)
}

/** Lets a stream's handler run up to where it waits for the peer. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

interface Outcome<T> {
  value?: T
  error?: unknown
  /** Set when it still waited once everything it was waiting for had arrived. */
  hung?: true
}

/** Follows `work` from the start, so that a failure before the test looks is not reported as unhandled. */
function follow<T>(work: Promise<T>): { settled(): Promise<Outcome<T>> } {
  const outcome = work.then(
    (value): Outcome<T> => ({ value }),
    (error: unknown): Outcome<T> => ({ error })
  )
  // Checking a hello's signature takes a turn of its own in the signature check; a few turns are plenty.
  const wait = async (): Promise<Outcome<T>> => {
    for (let i = 0; i < 4; i++) await turn()
    return { hung: true }
  }
  return { settled: () => Promise.race([outcome, wait()]) }
}

/** A record of the peers reported for breaking the protocol. */
function conductLog(): PeerConduct & { reports: string[] } {
  const reports: string[] = []
  return { reports, misbehaved: (_peer, reason) => void reports.push(reason), heldOff: () => false, subscribe: () => () => undefined }
}

/** Heads as a peer might name them: strings, too many of them, or anything else. */
const someHeads = fc.array(fc.string({ maxLength: 50 }), { maxLength: 6 })
const heads = fc.oneof(someHeads, fc.constant(Array.from({ length: MAX_HAVE + 1 }, () => 'zdpu')), faithfulValue)
const count = fc.oneof({ arbitrary: fc.integer({ min: -2, max: 400 }), weight: 4 }, fc.constantFrom<unknown>(0.5, 2 ** 53, -0, '1', null), faithfulValue)
const optional = { requiredKeys: [] as never[] }

/** A hello changed by a peer that does not hold the key: which field, and to what. */
type HelloChange =
  | { signature: (typeof DER_VARIANTS)[number] }
  | { statement: 'log' | 'from' | 'to' | 'as' }
  | { identity: 'stranger' | 'patient' | 'damaged' }
  | { set: 'identity' | 'signature' | 'log'; value: unknown }
  | { drop: 'identity' | 'signature' }

const helloChange: fc.Arbitrary<HelloChange> = fc.oneof(
  fc.record({ signature: fc.constantFrom(...DER_VARIANTS) }),
  fc.record({ statement: fc.constantFrom('log' as const, 'from' as const, 'to' as const, 'as' as const) }),
  fc.record({ identity: fc.constantFrom('stranger' as const, 'patient' as const, 'damaged' as const) }),
  fc.record({ set: fc.constantFrom('identity' as const, 'signature' as const, 'log' as const), value: fc.oneof(faithfulValue, fc.uint8Array({ maxLength: 100 })) }),
  fc.record({ drop: fc.constantFrom('identity' as const, 'signature' as const) })
)

/**
 * A hello of the doctor's (the one `signedFor` says it is signed for) after a change: still
 * signed by the doctor, but for another history, connection or role, or with another identity,
 * a re-encoded signature, or a field of the wrong kind.
 */
async function changedHello(hello: Record<string, unknown>, change: HelloChange, signedFor: Parameters<typeof authStatement>): Promise<Record<string, unknown>> {
  if ('signature' in change) return isBytes(hello.signature) ? { ...hello, signature: hexToBytes(derVariant(bytesToHex(hello.signature as Uint8Array), change.signature).toLowerCase()) } : hello
  if ('statement' in change) {
    const [log, from, to, as] = signedFor
    const statement: Parameters<typeof authStatement> =
      change.statement === 'log' ? [OTHER_LOG, from, to, as] : change.statement === 'from' ? [log, 'someone else', to, as] : change.statement === 'to' ? [log, from, 'someone else', as] : [log, from, to, as === 'puller' ? 'holder' : 'puller']
    return { ...hello, signature: await sign(doctor, authStatement(...statement)) }
  }
  if ('identity' in change) {
    const identity = change.identity === 'stranger' ? stranger.bytes : change.identity === 'patient' ? patient.bytes : Uint8Array.from(doctor.bytes, (byte, i) => (i === 20 ? byte ^ 1 : byte))
    return { ...hello, identity }
  }
  if ('set' in change) return { ...hello, [change.set]: change.value }
  return Object.fromEntries(Object.entries(hello).filter(([key]) => key !== change.drop))
}

/** How a peer opens: with the doctor's own hello, a changed one, or anything else. */
type Opening = { hello: true } | { changed: HelloChange[] } | { other: unknown }

const opening = (other: fc.Arbitrary<unknown>): fc.Arbitrary<Opening> =>
  fc.oneof(
    { arbitrary: fc.constant({ hello: true as const }), weight: 5 },
    { arbitrary: fc.record({ changed: fc.array(helloChange, { minLength: 1, maxLength: 2 }) }), weight: 2 },
    { arbitrary: other.map((message) => ({ other: message })), weight: 2 }
  )

async function openingMessage(how: Opening, hello: Record<string, unknown>, signedFor: Parameters<typeof authStatement>): Promise<unknown> {
  if ('other' in how) return how.other
  let message = hello
  if ('changed' in how) for (const change of how.changed) message = await changedHello(message, change, signedFor)
  return message
}

/** A peer's bytes: its messages, now and then with bytes that are none among them. */
function wire(messages: readonly unknown[], junk: readonly (readonly [number, Uint8Array])[]): Uint8Array[] {
  const frames = messages.map(frameOf)
  for (const [at, bytes] of junk) frames.splice(at % (frames.length + 1), 0, bytes)
  return frames
}
const junk = fc.array(fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 12 })), { maxLength: 1 })

/** Delivers a peer's chunks, all at once or letting the other side run between them. */
async function deliver(fake: FakeStream, chunks: readonly Uint8Array[], paced: boolean): Promise<void> {
  for (const chunk of chunks) {
    fake.deliver(chunk)
    if (paced) await turn()
  }
}

const ending = fc.constantFrom('closeWrite', 'reset')
const finish = (fake: FakeStream, how: string): void => (how === 'closeWrite' ? fake.closeWrite() : fake.end(new Error('the connection was reset')))

describe('the sync protocol, with anything a peer sends', () => {
  it('a hello proves a wallet only for the history, connection and role it was signed for', async () => {
    const statement: Parameters<typeof authStatement> = [LOG, PULLER_PEER, HOLDER_PEER, 'puller']
    expect(checkHello(pullerHello, ...statement)).toEqual({ wallet: doctor.verified.address, keyVersion: 1, identity: doctor.verified })
    await fc.assert(
      fc.asyncProperty(fc.array(helloChange, { minLength: 1, maxLength: 3 }), async (changes) => {
        let hello: Record<string, unknown> = pullerHello
        for (const change of changes) hello = await changedHello(hello, change, statement)
        // The message as it arrives: through dag-cbor.
        const result = checkHello(dagCbor.decode(dagCbor.encode(hello)), ...statement)
        if ('wallet' in result) {
          // Only the doctor's own hello, as signed, proves anything.
          expect(sameBytes(hello.identity, doctor.bytes) && sameBytes(hello.signature, pullerHello.signature)).toBe(true)
          expect(result.wallet).toBe(doctor.verified.address)
        } else expect(result.refusal).toMatch(/\w/)
      }),
      { numRuns: runs }
    )
  })

  it('a holder tells a peer that proves no admitted wallet nothing but "refused", and otherwise answers in protocol messages within its acks and the largest window', async () => {
    /** A node serving the log afresh: each run is a new peer's first minute, within the holder's lookups per peer. */
    const serving = async (): Promise<StreamHandler | undefined> => {
      let handler: StreamHandler | undefined
      const libp2p = {
        peerId: peerId(HOLDER_PEER),
        handle: (protocol: string, handle: StreamHandler) => {
          if (protocol === SYNC_PROTOCOL) handler = handle
          return Promise.resolve()
        },
        unhandle: () => Promise.resolve()
      } as unknown as Libp2p
      await serveLog(libp2p, source, conductLog())
      return handler
    }
    const asked: unknown[][] = []
    const entries = Array.from({ length: 300 }, (_, i) => Uint8Array.of(i % 256, 1, 2))
    const source: SyncSource = {
      address: LOG,
      authority: authority(),
      missing: (have) => {
        asked.push([...have])
        return { identities: [doctor.bytes], entries }
      },
      heads: () => ['zdpuHead'],
      announced: (_peer, announced) => void asked.push(announced),
      isAuthenticated: () => false,
      pulledBy: () => undefined
    }
    const first = opening(fc.oneof(fc.record({ t: fc.constant('announce'), log: fc.constant(LOG), heads }, optional), faithfulValue))
    const rest = fc.tuple(
      fc.oneof({ arbitrary: fc.record({ t: fc.constant('pull'), have: someHeads, window: count }), weight: 6 }, { arbitrary: fc.record({ t: fc.constant('pull'), have: heads, window: count }, optional), weight: 1 }, { arbitrary: faithfulValue, weight: 1 }),
      fc.array(fc.oneof({ arbitrary: fc.record({ t: fc.constant('ack'), n: fc.integer({ min: -2, max: 400 }) }), weight: 6 }, { arbitrary: fc.record({ t: fc.constant('ack'), n: count }, optional), weight: 1 }, { arbitrary: faithfulValue, weight: 1 }), { maxLength: 6 })
    )
    await fc.assert(
      fc.asyncProperty(first, rest, junk, fc.boolean(), ending, async (how, [pull, acks], noise, paced, end) => {
        asked.length = 0
        const hello = await openingMessage(how, pullerHello, [LOG, PULLER_PEER, HOLDER_PEER, 'puller'])
        const chunks = wire([hello, pull, ...acks], noise)
        const fake = fakeStream()
        const handler = await serving()
        expect(handler).toBeDefined()
        const handled = follow(Promise.resolve(handler?.(fake.stream, { remotePeer: peerId(PULLER_PEER) } as unknown as Connection)))
        await deliver(fake, chunks, paced)
        finish(fake, end)
        expect(await handled.settled()).toEqual({ value: undefined })
        const sent = messagesIn(fake.sent)
        // The first message the holder read was the doctor's own hello, whole, or it served nothing.
        const proved = opensWith(chunks, pullerHello)
        if (!proved) {
          for (const message of sent) expect(message).toEqual({ t: 'error', reason: 'refused' })
          expect(asked).toEqual([])
          return
        }
        for (const message of sent) expect(['hello', 'blocks', 'end']).toContain(message.t)
        const acked = messagesIn(chunks)
          .map((message) => message.n)
          .filter((n): n is number => typeof n === 'number' && Number.isInteger(n) && n > 0)
          .reduce((sum, n) => sum + n, 0)
        const entriesSent = sent.filter((message) => message.t === 'blocks').reduce((sum, message) => sum + (message.entries as unknown[]).length, 0)
        expect(entriesSent).toBeLessThanOrEqual(acked + MAX_WINDOW)
        // The log is asked only about heads of the form the protocol allows.
        for (const have of asked) expect(isStrings(have, MAX_HAVE)).toBe(true)
      }),
      { numRuns: runs }
    )
  })

  it('a puller sends its heads and takes blocks only from a holder that proved an admitted wallet, hands its sink only byte arrays within its window, and finishes only on the holder\'s end', async () => {
    const answer = opening(fc.oneof(fc.record({ t: fc.constant('error'), reason: fc.oneof(fc.constant('refused'), fc.string({ maxLength: 20 })) }), faithfulValue))
    const byteArrays = fc.array(fc.uint8Array({ maxLength: 8 }), { maxLength: 40 })
    const then = fc.array(
      fc.oneof(
        { arbitrary: fc.record({ t: fc.constant('blocks'), identities: byteArrays, entries: byteArrays }), weight: 6 },
        { arbitrary: fc.record({ t: fc.constant('blocks'), identities: fc.oneof(byteArrays, faithfulValue), entries: fc.oneof(byteArrays, faithfulValue) }, optional), weight: 1 },
        { arbitrary: fc.record({ t: fc.constant('end'), heads: someHeads }), weight: 2 },
        { arbitrary: fc.record({ t: fc.constant('end'), heads }, optional), weight: 1 },
        { arbitrary: faithfulValue, weight: 1 }
      ),
      { maxLength: 8 }
    )
    await fc.assert(
      fc.asyncProperty(answer, then, junk, fc.boolean(), ending, fc.integer({ min: 1, max: 64 }), async (how, messages, noise, paced, end, window) => {
        const hello = await openingMessage(how, holderHello, [LOG, HOLDER_PEER, PULLER_PEER, 'holder'])
        const chunks = wire([hello, ...messages], noise)
        const fake = fakeStream()
        const connection = { status: 'open', limits: undefined, timeline: { open: 1 }, newStream: () => Promise.resolve(fake.stream) }
        const libp2p = { peerId: peerId(PULLER_PEER), getConnections: () => [connection] } as unknown as Libp2p
        const frames: Frame[] = []
        const finished: unknown[] = []
        const proven: { holder: string; framesBefore: number }[] = []
        const sink = {
          holderProven: (holder: VerifiedIdentity) => {
            proven.push({ holder: holder.address, framesBefore: frames.length })
          },
          receive: (frame: Frame) => {
            frames.push(frame)
            return Promise.resolve(frame.entries.length)
          },
          finish: (holderHeads: string[]) => {
            finished.push(holderHeads)
            return Promise.resolve()
          }
        }
        const request = { address: LOG, have: ['zdpuMine'], authority: authority(), sink, signal: AbortSignal.timeout(60_000), window, conduct: conductLog() }
        const pulling = follow(pullLog(libp2p, peerId(HOLDER_PEER), request))
        await turn()
        await deliver(fake, chunks, paced)
        finish(fake, end)
        const outcome = await pulling.settled()
        expect(outcome.hung).toBeUndefined()
        const sent = messagesIn(fake.sent)
        expect(sent[0]).toMatchObject({ t: 'hello', log: LOG })
        const proved = opensWith(chunks, holderHello)
        if (!proved) {
          // A holder that proved nothing learns nothing of our log and gives us nothing.
          expect(sent.slice(1)).toEqual([])
          expect(frames).toEqual([])
          expect(proven).toEqual([])
          expect(outcome.error).toBeInstanceOf(Error)
          return
        }
        expect(sent[1]).toEqual({ t: 'pull', have: ['zdpuMine'], window })
        // The sink hears who the holder is once, before any frame.
        expect(proven).toEqual([{ holder: doctor.verified.address, framesBefore: 0 }])
        for (const frame of frames) {
          expect(frame.identities.every(isBytes) && frame.entries.every(isBytes)).toBe(true)
          expect(frame.entries.length).toBeLessThanOrEqual(window)
        }
        if ('error' in outcome) {
          expect(outcome.error).toBeInstanceOf(Error)
          expect(fake.aborted()).toBeDefined()
          expect(finished).toEqual([])
        } else {
          expect(outcome.value).toBe(doctor.verified.address)
          expect(finished).toHaveLength(1)
          expect(isStrings(finished[0], MAX_HAVE)).toBe(true)
        }
      }),
      { numRuns: runs }
    )
  })
})

describe('the window a puller asks for', () => {
  it('is two frames over WebRTC and 1,024 entries over WebSockets, unless the pull names one', async () => {
    const windowAsked = async (remoteAddr: string, window?: number): Promise<unknown> => {
      const fake = fakeStream()
      const connection = { status: 'open', limits: undefined, timeline: { open: 1 }, remoteAddr: multiaddr(remoteAddr), newStream: () => Promise.resolve(fake.stream) }
      const libp2p = { peerId: peerId(PULLER_PEER), getConnections: () => [connection] } as unknown as Libp2p
      const sink = { receive: () => Promise.resolve(0), finish: () => Promise.resolve() }
      const request = { address: LOG, have: [], authority: authority(), sink, signal: AbortSignal.timeout(60_000), ...(window === undefined ? {} : { window }) }
      const pulling = follow(pullLog(libp2p, peerId(HOLDER_PEER), request))
      await turn()
      await deliver(fake, [frameOf(holderHello)], false)
      for (let i = 0; i < 4 && messagesIn(fake.sent).length < 2; i++) await turn()
      fake.end(new Error('the test is done'))
      await pulling.settled()
      return messagesIn(fake.sent)[1]?.window
    }
    expect(await windowAsked('/ip4/127.0.0.1/tcp/4001/ws/p2p-circuit/webrtc')).toBe(256)
    expect(await windowAsked('/ip4/127.0.0.1/tcp/4001/ws')).toBe(1024)
    expect(await windowAsked('/ip4/127.0.0.1/tcp/4001/ws/p2p-circuit/webrtc', 128)).toBe(128)
  })
})
