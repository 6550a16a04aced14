// Property tests of the identity parser (parseIdentityBlock), which reads identity blocks any peer
// sends: any bytes and any block made from a real identity are refused with a reason and never
// crash it, and each wallet key has exactly one block it accepts: the one createWalletIdentity makes.
import * as dagCbor from '@ipld/dag-cbor'
import { secp256k1 } from '@noble/curves/secp256k1.js'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import fc from 'fast-check'
import { getAddress, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { deriveWalletKeys, identityBindingTypedData, keyDerivationTypedData, secp256k1Signer } from '../crypto/index.ts'
import { dagCborValue, fuzzRuns } from '../../test/support/fuzz.ts'
import { BINDING_VARIANTS, bindingVariant, DER_VARIANTS, derVariant, walletIdentityOf } from '../../test/support/signatureVariants.ts'
import { hashOfBytes } from './blocks.ts'
import { TEST_DOMAIN as domain } from '../../test/support/walletSignatures.ts'
import { createWalletIdentity, type WalletIdentity } from './walletIdentity.ts'

const runs = fuzzRuns()
/** A wallet made from scratch costs about 17 ms (two wallet signatures, the key derivation, the binding checked twice). */
const walletRuns = Math.max(10, Math.ceil(runs / 100))

/** The wallets every near-identity is made from: the edges of the key range and anvil's public development keys. */
const KEYS: `0x${string}`[] = [
  '0x0000000000000000000000000000000000000000000000000000000000000001',
  '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140',
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6'
]

let wallets: WalletIdentity[]
/** parseIdentityBlock of a module loaded afresh: it has verified none of these identities yet, so nothing comes from its cache. */
let parseIdentityBlock: typeof import('./walletIdentity.ts').parseIdentityBlock

beforeAll(async () => {
  wallets = await Promise.all(KEYS.map(walletIdentityOf))
  vi.resetModules()
  const fresh = await import('./walletIdentity.ts')
  parseIdentityBlock = fresh.parseIdentityBlock
  fresh.useIdentityDomain(domain)
})

type Fields = Record<string, unknown>
const PATHS = ['id', 'publicKey', 'signatures', 'type', 'signatures.id', 'signatures.publicKey'] as const
type Path = (typeof PATHS)[number]

const edgeValue = fc.constantFrom<unknown>(0, 1, -1, 27, 28, 2 ** 53, 2n ** 64n - 1n, '', '0x', '00', 'anamnesis-wallet', 'publickey', true, null, [], {}, new Uint8Array(65))

/** One change a peer makes to an identity block: what it says is printed when a property fails. */
type Mutation =
  | { set: Path; value: unknown }
  | { drop: Path }
  | { add: 'identity' | 'signatures'; name: string; value: unknown }
  | { binding: (typeof BINDING_VARIANTS)[number] }
  | { idSignature: (typeof DER_VARIANTS)[number] }
  | { id: 'checksummed' | 'upper' | 'bare' | 'other' }
  | { key: 'upper' | 'uncompressed' | 'parity' | 'other' }
  | { borrow: Path; from: number }
  | { encoding: 'shuffled' | 'wideHeader' | 'indefinite' | 'bindingAsBytes' }
  | { flip: number; xor: number }
  | { cut: number }

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ set: fc.constantFrom(...PATHS), value: fc.oneof(dagCborValue, edgeValue) }), weight: 4 },
  { arbitrary: fc.record({ drop: fc.constantFrom(...PATHS) }), weight: 1 },
  { arbitrary: fc.record({ add: fc.constantFrom('identity' as const, 'signatures' as const), name: fc.oneof(fc.constantFrom('hash', 'bytes', 'note', 'v', ''), fc.string({ maxLength: 8 })), value: dagCborValue }), weight: 2 },
  { arbitrary: fc.record({ binding: fc.constantFrom(...BINDING_VARIANTS) }), weight: 4 },
  { arbitrary: fc.record({ idSignature: fc.constantFrom(...DER_VARIANTS) }), weight: 3 },
  { arbitrary: fc.record({ id: fc.constantFrom('checksummed' as const, 'upper' as const, 'bare' as const, 'other' as const) }), weight: 2 },
  { arbitrary: fc.record({ key: fc.constantFrom('upper' as const, 'uncompressed' as const, 'parity' as const, 'other' as const) }), weight: 2 },
  { arbitrary: fc.record({ borrow: fc.constantFrom(...PATHS), from: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ encoding: fc.constantFrom('shuffled' as const, 'wideHeader' as const, 'indefinite' as const, 'bindingAsBytes' as const) }), weight: 2 },
  { arbitrary: fc.record({ flip: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), weight: 2 },
  { arbitrary: fc.record({ cut: fc.nat() }), weight: 1 }
)

const signaturesOf = (fields: Fields): Fields => (typeof fields.signatures === 'object' && fields.signatures !== null ? { ...(fields.signatures as Fields) } : {})
const without = (fields: Fields, name: string): Fields => Object.fromEntries(Object.entries(fields).filter(([key]) => key !== name))

function get(fields: Fields, path: Path): unknown {
  return path.startsWith('signatures.') ? signaturesOf(fields)[path.slice(11)] : fields[path]
}

function set(fields: Fields, path: Path, value: unknown): Fields {
  if (path.startsWith('signatures.')) return { ...fields, signatures: { ...signaturesOf(fields), [path.slice(11)]: value } }
  return { ...fields, [path]: value }
}

/** dag-cbor of a map with its keys in the given order and a chosen header, each value in its canonical form. */
function mapInOrder(fields: Fields, keys: readonly string[], head: Uint8Array, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  return Uint8Array.from([...head, ...keys.flatMap((key) => [...dagCbor.encode(key), ...dagCbor.encode(fields[key])]), ...tail])
}

/** Applies mutations to wallet `which`'s identity block; the bytes a peer would send. */
function mutate(which: number, mutations: readonly Mutation[]): Uint8Array {
  const wallet = wallets[which % wallets.length] as WalletIdentity
  const other = wallets[(which + 1) % wallets.length] as WalletIdentity
  let fields = dagCbor.decode<Fields>(wallet.bytes)
  let bytes: Uint8Array | undefined
  for (const change of mutations) {
    if ('flip' in change || 'cut' in change) {
      bytes ??= encodeOr(fields, wallet.bytes)
      bytes = 'flip' in change ? bytes.map((byte, i, all) => (i === change.flip % all.length ? byte ^ change.xor : byte)) : bytes.subarray(0, change.cut % bytes.length)
      continue
    }
    // Once the bytes are written by hand, only the bytes change.
    if (bytes !== undefined) continue
    const text = (value: unknown): string => (typeof value === 'string' ? value : '')
    const id = text(get(fields, 'id'))
    const key = text(get(fields, 'publicKey'))
    if ('set' in change) fields = set(fields, change.set, change.value)
    else if ('drop' in change) fields = change.drop.startsWith('signatures.') ? { ...fields, signatures: without(signaturesOf(fields), change.drop.slice(11)) } : without(fields, change.drop)
    else if ('add' in change) fields = change.add === 'identity' ? { ...fields, [change.name]: change.value } : { ...fields, signatures: { ...signaturesOf(fields), [change.name]: change.value } }
    else if ('binding' in change) fields = set(fields, 'signatures.publicKey', bindingVariant(wallet.signatures.publicKey, change.binding))
    else if ('idSignature' in change) fields = set(fields, 'signatures.id', derVariant(wallet.signatures.id, change.idSignature))
    else if ('id' in change) {
      const variants = { checksummed: /^0x[0-9a-f]{40}$/.test(id) ? getAddress(id) : id, upper: id.toUpperCase(), bare: id.replace(/^0x/, ''), other: other.id }
      fields = set(fields, 'id', variants[change.id])
    } else if ('key' in change) {
      const uncompressed = /^0[23][0-9a-f]{64}$/.test(key) ? secp256k1.Point.fromHex(key).toHex(false) : key
      const variants = { upper: key.toUpperCase(), uncompressed, parity: `${key.startsWith('02') ? '03' : '02'}${key.slice(2)}`, other: other.publicKey }
      fields = set(fields, 'publicKey', variants[change.key])
    } else if ('borrow' in change) {
      const lender = dagCbor.decode<Fields>((wallets[change.from % wallets.length] as WalletIdentity).bytes)
      fields = set(fields, change.borrow, get(lender, change.borrow))
    } else {
      const keys = Object.keys(fields).sort()
      if (change.encoding === 'shuffled') bytes = mapInOrder(fields, [...keys].reverse(), Uint8Array.of(0xa0 + keys.length))
      else if (change.encoding === 'wideHeader') bytes = mapInOrder(fields, keys, Uint8Array.of(0xb8, keys.length))
      else if (change.encoding === 'indefinite') bytes = mapInOrder(fields, keys, Uint8Array.of(0xbf), Uint8Array.of(0xff))
      else {
        // The binding as the 65 bytes it stands for, not their hex.
        const binding = get(fields, 'signatures.publicKey')
        if (typeof binding === 'string' && /^(?:[0-9a-f]{2})+$/.test(binding)) fields = set(fields, 'signatures.publicKey', hexToBytes(binding))
      }
    }
  }
  return bytes ?? encodeOr(fields, wallet.bytes)
}

/** The fields' dag-cbor; for a value dag-cbor cannot write, `fallback`. */
function encodeOr(fields: Fields, fallback: Uint8Array): Uint8Array {
  try {
    return dagCbor.encode(fields)
  } catch {
    return fallback
  }
}

/** The parser's verdict: a reason, or the identity, and never a throw. */
function verdict(bytes: Uint8Array): ReturnType<typeof parseIdentityBlock> {
  const result = parseIdentityBlock(bytes)
  if (typeof result === 'string') expect(result).toMatch(/\w/)
  return result
}

describe('the identity parser, with blocks from any peer', () => {
  it('accepts each wallet\'s own identity block, made by createWalletIdentity from a viem wallet', () => {
    for (const wallet of wallets) expect(verdict(wallet.bytes)).toEqual(wallet.verified)
  })

  it('refuses any bytes with a reason, and never throws', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        expect(typeof verdict(bytes)).toBe('string')
      }),
      { numRuns: runs }
    )
  })

  it('refuses any dag-cbor value that is not a wallet identity, and never throws', () => {
    fc.assert(
      fc.property(dagCborValue, (value) => {
        expect(typeof verdict(dagCbor.encode(value))).toBe('string')
      }),
      { numRuns: runs }
    )
  })

  it('accepts one block per wallet key: extra fields, other recovery bytes (0, 1, 27, 28, 29), high-S twins, other encodings and wrong lengths are refused', () => {
    fc.assert(
      fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
        const bytes = mutate(which, mutations)
        const result = verdict(bytes)
        // Only a wallet's own block is accepted, byte for byte: a change that leaves it as it was,
        // or one that makes another wallet's whole (its id, key and both signatures).
        if (typeof result !== 'string') {
          const owner = wallets.find((wallet) => wallet.verified.publicKeyHex === result.publicKeyHex)
          expect(owner).toBeDefined()
          expect(bytesToHex(bytes)).toBe(bytesToHex(owner?.bytes ?? new Uint8Array(0)))
          expect(result).toEqual(owner?.verified)
        }
      }),
      { numRuns: runs }
    )
  })

  it('accepts the identity of any wallet, the one block for its key whichever recovery byte the wallet writes', async () => {
    const privateKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((bytes) => secp256k1.utils.isValidSecretKey(bytes))
    await fc.assert(
      fc.asyncProperty(privateKey, fc.boolean(), async (secret, lowV) => {
        const account = privateKeyToAccount(toHex(secret))
        const keys = deriveWalletKeys(hexToBytes((await account.signTypedData(keyDerivationTypedData({ domain, account: account.address, version: 1 }))).slice(2)))
        const signed = await account.signTypedData(identityBindingTypedData({ domain, account: account.address, signingKey: keys.identity.publicKey, keyVersion: 1 }))
        // Some wallets write the recovery byte as 0 or 1: the same signature, and the same block.
        const binding = lowV ? `${signed.slice(0, -2)}${(Number.parseInt(signed.slice(-2), 16) - 27).toString(16).padStart(2, '0')}` : signed
        const identity = createWalletIdentity({ address: account.address, signer: secp256k1Signer(keys.identity.secretKey), binding, keyVersion: 1, domain })
        expect(identity.signatures.publicKey).toBe(signed.slice(2))
        expect(identity.hash).toBe(hashOfBytes(identity.bytes))
        expect(verdict(identity.bytes)).toEqual(identity.verified)
        expect(identity.verified).toMatchObject({ address: account.address.toLowerCase(), publicKeyHex: bytesToHex(keys.identity.publicKey) })
      }),
      { numRuns: walletRuns }
    )
  })
})
