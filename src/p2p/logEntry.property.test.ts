// Property tests of the entry parser and the admission checks a peer's entry block meets before
// anything of the log's state is asked (decodeLogEntry, entryOfBlock, checkOffered): any bytes and
// any value shaped almost like an entry are refused with a reason and never crash them, a block a
// stranger makes from a signed entry is never admitted in its place, and every entry the writer
// makes is admitted and reads back as written.
import * as dagCbor from '@ipld/dag-cbor'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { base32 } from 'multiformats/bases/base32'
import { base36 } from 'multiformats/bases/base36'
import { base58btc } from 'multiformats/bases/base58'
import { beforeAll, describe, expect, it } from 'vitest'
import { dagCborValue, fuzzRuns } from '../../test/support/fuzz.ts'
import { DER_VARIANTS, derVariant, walletIdentityOf } from '../../test/support/signatureVariants.ts'
import { hashOfBytes, parseHash } from './blocks.ts'
import { checkOffered, clockRefusal, entryOfBlock, type AdmissionRules } from './entryAdmission.ts'
import { createLogEntry, decodeLogEntry, MAX_PAYLOAD_BYTES, type LogEntry } from './logEntry.ts'
import type { WalletIdentity } from './walletIdentity.ts'

const runs = fuzzRuns()
const LOG = '/orbitdb/zdpuAqVQShn9Va4a6JkKDMkSuDDHD2SKp7DgH4ANuPLTAs1YH'
const MAX_LINKS = 64

let patient: WalletIdentity
let doctor: WalletIdentity
/** Entries the writer made: the originals every near-entry is made from. */
let pool: LogEntry[]
let rules: AdmissionRules

/** Hashes of log entries that are not in the log: links to entries a peer may not have sent yet. */
const entryHash = fc.uint8Array({ minLength: 1, maxLength: 16 }).map((bytes) => hashOfBytes(bytes))
const spareHashes = fc.sample(entryHash, { numRuns: MAX_LINKS + 6, seed: 1 })

beforeAll(async () => {
  // anvil's development accounts 0 and 1: public test keys.
  patient = await walletIdentityOf('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
  doctor = await walletIdentityOf('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
  const first = await createLogEntry({ identity: patient, logId: LOG, payload: Uint8Array.of(1, 2, 3), next: [], time: 1 })
  const second = await createLogEntry({ identity: doctor, logId: LOG, payload: new Uint8Array(700).fill(7), next: [first.hash], time: 2 })
  const merge = await createLogEntry({ identity: patient, logId: LOG, payload: new Uint8Array(0), next: [first.hash, second.hash], time: 3 })
  const crowded = await createLogEntry({ identity: doctor, logId: LOG, payload: Uint8Array.of(9), next: spareHashes.slice(0, MAX_LINKS), time: 4 })
  const late = await createLogEntry({ identity: patient, logId: LOG, payload: Uint8Array.of(5), next: [merge.hash], time: Number.MAX_SAFE_INTEGER })
  pool = [first, second, merge, crowded, late]
  const known = new Map([patient, doctor].map((identity) => [identity.hash, identity.verified]))
  rules = { address: LOG, patient: patient.verified.address, identityOf: (hash) => Promise.resolve(known.get(hash)), mayWrite: () => Promise.resolve(true), keyVersionOf: () => Promise.resolve(undefined) }
})

type Fields = Record<string, unknown>
const ENTRY_FIELDS = ['id', 'payload', 'next', 'refs', 'clock', 'v', 'key', 'identity', 'sig'] as const
const FIELDS = [...ENTRY_FIELDS, 'clock.id', 'clock.time'] as const

/** Numbers at the edges of what a clock, a version or a length can be, in every type dag-cbor has for them. */
const edgeNumber = fc.constantFrom<unknown>(
  0, -0, 1, -1, 2, 1.5, 2 ** 31, 2 ** 32, 2 ** 53 - 2, Number.MAX_SAFE_INTEGER, 2 ** 53, 2 ** 53 + 2, 2 ** 64, Number.MAX_VALUE, Number.MIN_VALUE,
  -Number.MAX_SAFE_INTEGER, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n, -(2n ** 64n), '1', '2', true, null
)

/** One change a peer makes to an entry's fields, or to its bytes: what it says is printed when a property fails. */
type Mutation =
  | { set: (typeof FIELDS)[number]; value: unknown }
  | { drop: (typeof FIELDS)[number] }
  | { add: 'entry' | 'clock'; name: string; value: unknown }
  | { links: 'next' | 'refs'; count: number; repeat: boolean }
  | { sig: (typeof DER_VARIANTS)[number] | 'other' }
  | { key: 'upper' | 'other' | 'uncompressed' | 'parity' }
  | { identity: 'other' | 'base32' | 'base36' | 'nonMinimal' | 'cid' | 'random' }
  | { payload: number }
  | { encoding: 'shuffled' | 'floatTime' | 'wideHeader' | 'indefinite' }
  | { flip: number; xor: number }
  | { cut: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ set: fc.constantFrom(...FIELDS), value: fc.oneof(dagCborValue, edgeNumber) }), weight: 6 },
  { arbitrary: fc.record({ drop: fc.constantFrom(...FIELDS) }), weight: 1 },
  { arbitrary: fc.record({ add: fc.constantFrom('entry' as const, 'clock' as const), name: fc.oneof(fc.constantFrom('extra', 'hash', 'bytes', 'writer', 'time', ''), fc.string({ maxLength: 8 })), value: dagCborValue }), weight: 2 },
  { arbitrary: fc.record({ links: fc.constantFrom('next' as const, 'refs' as const), count: fc.oneof(fc.integer({ min: 0, max: MAX_LINKS + 6 }), fc.integer({ min: MAX_LINKS - 1, max: MAX_LINKS + 1 })), repeat: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ sig: fc.constantFrom(...DER_VARIANTS, 'other' as const) }), weight: 3 },
  { arbitrary: fc.record({ key: fc.constantFrom('upper' as const, 'other' as const, 'uncompressed' as const, 'parity' as const) }), weight: 2 },
  { arbitrary: fc.record({ identity: fc.constantFrom('other' as const, 'base32' as const, 'base36' as const, 'nonMinimal' as const, 'cid' as const, 'random' as const) }), weight: 2 },
  // A payload at the limit costs tens of milliseconds to encode, hash and check: one in a few hundred is enough.
  { arbitrary: fc.record({ payload: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 64 }), weight: 50 }, { arbitrary: fc.integer({ min: MAX_PAYLOAD_BYTES - 1, max: MAX_PAYLOAD_BYTES + 1 }), weight: 1 }) }), weight: 1 },
  { arbitrary: fc.record({ encoding: fc.constantFrom('shuffled' as const, 'floatTime' as const, 'wideHeader' as const, 'indefinite' as const) }), weight: 2 },
  { arbitrary: fc.record({ flip: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), weight: 2 },
  { arbitrary: fc.record({ cut: fc.nat() }), weight: 1 }
)

const other = (entry: LogEntry): LogEntry => pool.find((candidate) => candidate.key !== entry.key) ?? entry
const clockOf = (fields: Fields): Fields => (typeof fields.clock === 'object' && fields.clock !== null ? { ...(fields.clock as Fields) } : {})

function setPath(fields: Fields, path: (typeof FIELDS)[number], value: unknown): Fields {
  if (path === 'clock.id' || path === 'clock.time') return { ...fields, clock: { ...clockOf(fields), [path.slice(6)]: value } }
  return { ...fields, [path]: value }
}

const without = (fields: Fields, name: string): Fields => Object.fromEntries(Object.entries(fields).filter(([key]) => key !== name))

function dropPath(fields: Fields, path: (typeof FIELDS)[number]): Fields {
  if (path === 'clock.id' || path === 'clock.time') return { ...fields, clock: without(clockOf(fields), path.slice(6)) }
  return without(fields, path)
}

/** The CID string of `hash` with a varint written in more bytes than it needs: the same CID, named another way. */
function nonMinimal(hash: string): string {
  const bytes = parseHash(hash)?.bytes ?? new Uint8Array(0)
  return base58btc.encode(Uint8Array.of(0x81, 0x00, ...bytes.subarray(1)))
}

/** dag-cbor of a map with its keys in the given order, each value in its canonical form. */
function mapInOrder(fields: Fields, keys: readonly string[], head = (n: number) => Uint8Array.of(0xa0 + n)): Uint8Array {
  const parts = keys.flatMap((key) => [dagCbor.encode(key), dagCbor.encode(fields[key])])
  return Uint8Array.from([...head(keys.length), ...parts.flatMap((part) => [...part])])
}

/** Applies mutations to an entry; the bytes a peer would send. */
function mutate(entry: LogEntry, mutations: readonly Mutation[]): Uint8Array {
  let fields = dagCbor.decode<Fields>(entry.bytes)
  let bytes: Uint8Array | undefined
  for (const change of mutations) {
    if (bytes !== undefined) {
      // Once the bytes are written by hand, only the bytes change.
      bytes = damage(bytes, change)
      continue
    }
    if ('set' in change) fields = setPath(fields, change.set, change.value)
    else if ('drop' in change) fields = dropPath(fields, change.drop)
    else if ('add' in change) fields = change.add === 'entry' ? { ...fields, [change.name]: change.value } : { ...fields, clock: { ...clockOf(fields), [change.name]: change.value } }
    else if ('links' in change) {
      const hashes = spareHashes.slice(0, change.count)
      fields = { ...fields, [change.links]: change.repeat ? hashes.map(() => entry.hash) : hashes }
    } else if ('sig' in change) fields = { ...fields, sig: change.sig === 'other' ? other(entry).sig : derVariant(entry.sig, change.sig) }
    else if ('key' in change) {
      const key = entry.key
      const variants = {
        upper: key.toUpperCase(),
        other: other(entry).key,
        uncompressed: secp256k1.Point.fromHex(key).toHex(false),
        parity: `${key.startsWith('02') ? '03' : '02'}${key.slice(2)}`
      }
      fields = { ...fields, key: variants[change.key] }
    } else if ('identity' in change) {
      const cid = parseHash(entry.identity)
      const variants = {
        other: other(entry).identity,
        base32: cid?.toString(base32),
        base36: cid?.toString(base36),
        nonMinimal: nonMinimal(entry.identity),
        cid,
        random: hashOfBytes(entry.bytes)
      }
      fields = { ...fields, identity: variants[change.identity] }
    } else if ('payload' in change) fields = { ...fields, payload: new Uint8Array(change.payload) }
    else if ('encoding' in change) {
      const keys = Object.keys(fields).sort()
      if (change.encoding === 'shuffled') bytes = mapInOrder(fields, [...keys].reverse())
      else if (change.encoding === 'wideHeader') bytes = mapInOrder(fields, keys, (n) => Uint8Array.of(0xb8, n))
      else if (change.encoding === 'indefinite') bytes = Uint8Array.from([...mapInOrder(fields, keys, () => Uint8Array.of(0xbf)), 0xff])
      else {
        // The clock's time as a float: the same number, in bytes the canonical form never has.
        const clock = clockOf(fields)
        const time = new Uint8Array(9)
        time[0] = 0xfb
        new DataView(time.buffer).setFloat64(1, typeof clock.time === 'number' ? clock.time : 1)
        const clockBytes = Uint8Array.from([0xa2, ...dagCbor.encode('id'), ...dagCbor.encode(clock.id ?? ''), ...dagCbor.encode('time'), ...time])
        const parts = keys.flatMap((key) => [dagCbor.encode(key), key === 'clock' ? clockBytes : dagCbor.encode(fields[key])])
        bytes = Uint8Array.from([0xa0 + keys.length, ...parts.flatMap((part) => [...part])])
      }
    } else bytes = damage(encodeOr(fields, entry.bytes), change)
  }
  return bytes ?? encodeOr(fields, entry.bytes)
}

/** A byte flipped, or the bytes cut short; other mutations leave the bytes alone. */
function damage(bytes: Uint8Array, change: Mutation): Uint8Array {
  if ('flip' in change) return bytes.map((byte, i) => (i === change.flip % bytes.length ? byte ^ change.xor : byte))
  if ('cut' in change) return bytes.subarray(0, change.cut % bytes.length)
  return bytes
}

/** The fields' dag-cbor; for a value dag-cbor cannot write (a number it has no form for), `fallback`. */
function encodeOr(fields: Fields, fallback: Uint8Array): Uint8Array {
  try {
    return dagCbor.encode(fields)
  } catch {
    return fallback
  }
}

/** Every block offered is either refused with a reason or checked, never both, and nothing throws. */
async function offer(bytes: Uint8Array): Promise<{ reason?: string; admitted?: LogEntry }> {
  const { checked, refused, known } = await checkOffered([bytes], rules, () => false)
  expect(known).toBe(0)
  expect(checked.length + refused.length).toBe(1)
  const [refusal] = refused
  if (refusal !== undefined) {
    expect(refusal.hash).toBe(hashOfBytes(bytes))
    expect(refusal.reason).toMatch(/\w/)
    return { reason: refusal.reason }
  }
  return { admitted: checked[0] }
}

/** The same entry field for field; its bytes compared as bytes (a deep comparison of a megabyte takes seconds). */
function expectSame(actual: LogEntry | string | undefined, expected: LogEntry): void {
  if (typeof actual !== 'object') throw new Error(`not an entry: ${String(actual)}`)
  expect(Buffer.from(actual.bytes).equals(expected.bytes) && Buffer.from(actual.payload).equals(expected.payload)).toBe(true)
  const rest = Object.fromEntries(Object.entries(expected).filter(([field]) => field !== 'bytes' && field !== 'payload'))
  expect(actual).toMatchObject(rest)
}

describe('the entry parser, with blocks from any peer', () => {
  it('refuses any bytes with a reason, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        const entry = entryOfBlock(bytes)
        expect(typeof entry === 'string' && entry.length > 0).toBe(true)
        expect((await offer(bytes)).reason).toBeDefined()
      }),
      { numRuns: runs }
    )
  })

  it('refuses any dag-cbor value that is not an entry, and never throws', async () => {
    await fc.assert(
      fc.asyncProperty(dagCborValue, async (value) => {
        const bytes = dagCbor.encode(value)
        const entry = decodeLogEntry(bytes)
        expect(typeof entry).toBe('string')
        expect((await offer(bytes)).reason).toBeDefined()
      }),
      { numRuns: runs }
    )
  })

  it('never admits a block a peer made from a signed entry in its place: mutated fields, wrong types, extra fields, huge numbers, too many links, other encodings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, mutations) => {
        const original = pool[which % pool.length] as LogEntry
        const bytes = mutate(original, mutations)
        const { admitted } = await offer(bytes)
        // Only the writer's own block passes, byte for byte: a change that leaves the entry as it was.
        if (admitted !== undefined) {
          expect(bytesToHex(bytes)).toBe(bytesToHex(original.bytes))
          expect(admitted.hash).toBe(original.hash)
        }
        const decoded = decodeLogEntry(bytes)
        if (typeof decoded !== 'string') {
          // What the parser lets through is what the bytes say, within the bounds it promises.
          expect(decoded.hash).toBe(hashOfBytes(bytes))
          expect(Number.isSafeInteger(decoded.clock.time) && decoded.clock.time >= 1).toBe(true)
          expect(decoded.next.length <= MAX_LINKS && decoded.refs.length <= MAX_LINKS).toBe(true)
          expect(decoded.payload.length).toBeLessThanOrEqual(MAX_PAYLOAD_BYTES)
        }
      }),
      { numRuns: runs }
    )
  })

  it('admits every entry the writer makes, which reads back as written', async () => {
    const time = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: Number.MAX_SAFE_INTEGER - 1000, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }))
    const payload = fc.oneof({ arbitrary: fc.uint8Array({ maxLength: 2048 }), weight: 500 }, { arbitrary: fc.constant(new Uint8Array(MAX_PAYLOAD_BYTES)), weight: 1 })
    await fc.assert(
      fc.asyncProperty(fc.boolean(), payload, fc.array(fc.constantFrom(...spareHashes), { maxLength: MAX_LINKS }), time, async (byPatient, bytes, next, clock) => {
        const writer = byPatient ? patient : doctor
        const entry = await createLogEntry({ identity: writer, logId: LOG, payload: bytes, next, time: clock })
        expectSame(decodeLogEntry(entry.bytes), entry)
        expectSame(entryOfBlock(entry.bytes, entry.hash), entry)
        const { admitted } = await offer(entry.bytes)
        expectSame(admitted, entry)
        expect(admitted).toMatchObject({ writer: writer.verified.address, next, clock: { id: writer.publicKey, time: clock } })
        expect(Buffer.from(bytes).equals(admitted?.payload ?? new Uint8Array(1))).toBe(true)
      }),
      { numRuns: runs }
    )
  })

  it('admits a clock only one after the latest entry it follows, once they are known, however large the times', () => {
    const parentTime = fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: Number.MAX_SAFE_INTEGER - 100, max: Number.MAX_SAFE_INTEGER }))
    const entryTime = fc.oneof(fc.integer({ min: 1, max: 102 }), fc.integer({ min: Number.MAX_SAFE_INTEGER - 102, max: Number.MAX_SAFE_INTEGER }))
    fc.assert(
      fc.property(fc.array(fc.tuple(entryHash, parentTime, fc.boolean()), { maxLength: 8 }), entryTime, (parents, time) => {
        const entry = { ...(pool[0] as LogEntry), next: parents.map(([hash]) => hash), clock: { id: patient.publicKey, time } }
        const times = new Map(parents.map(([hash, parent, known]) => [hash, known ? parent : undefined]))
        const refusal = clockRefusal(entry, (hash) => times.get(hash))
        const latest = Math.max(0, ...[...times.values()].map((t) => t ?? 0))
        const allKnown = [...times.values()].every((t) => t !== undefined)
        expect(refusal === undefined).toBe(allKnown ? time === latest + 1 : time > latest)
      }),
      { numRuns: runs }
    )
  })
})
