import { hexToBytes } from '@noble/hashes/utils.js'
import * as dagCbor from '@ipld/dag-cbor'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, it } from 'vitest'
import { developmentAccounts } from '../chain/devAccounts.ts'
import { authStatement, useIdentityDomain, type WalletAddress } from '../p2p/index.ts'
import { TEST_DOMAIN, walletIdentityOf } from '../../test/support/walletSignatures.ts'
import { checkStatement, encodeStatement, parseStatement, signedBytes, signStatement, STATEMENT_MAX_AGE_MS, type KeeperStatement } from './keeperStatement.ts'

const account = (label: string) => privateKeyToAccount(developmentAccounts.find((a) => a.label === label)?.privateKey ?? '0x')
let patient: Awaited<ReturnType<typeof walletIdentityOf>>
let other: Awaited<ReturnType<typeof walletIdentityOf>>
const keeper = '0x90f79bf6eb2c4f870365e785982e1f101e93b906' as WalletAddress
const peer = '12D3KooWKeeperPeerIdForTheseTests'
const now = 1_780_000_000_000

beforeAll(async () => {
  useIdentityDomain(TEST_DOMAIN)
  patient = await walletIdentityOf(account('Patient'))
  other = await walletIdentityOf(account('Doctor'))
})

const statement = (changes: Partial<KeeperStatement> = {}): KeeperStatement => ({ v: 1, kind: 'enrol', patient: patient.address, keeper, peer, quota: 1024, at: now, ...changes })
const expected = (lastAt?: number) => ({ keeper, peer, now, lastAt: () => lastAt })

describe('keeper statements', () => {
  it('accepts a statement the patient signed for this keeper, code included', async () => {
    const signed = await signStatement(patient.identity, statement({ code: 'WARD7' }))
    expect(checkStatement(signed, expected())).toEqual({ statement: statement({ code: 'WARD7' }) })
  })

  it('refuses a forgery, a statement for another keeper, a stale or replayed one, and malformed bytes, each with its reason', async () => {
    const good = await signStatement(patient.identity, statement())
    const byOther = await signStatement(other.identity, statement())
    expect(checkStatement(byOther, expected())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkStatement({ ...byOther, identity: patient.identity.bytes }, expected())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkStatement({ ...good, statement: encodeStatement(statement({ quota: 1 << 30 })) }, expected())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkStatement(await signStatement(patient.identity, statement({ keeper: other.address })), expected())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkStatement(await signStatement(patient.identity, statement({ peer: '12D3KooWAnotherKeeper' })), expected())).toMatchObject({ refusal: 'bad-signature' })
    expect(checkStatement(await signStatement(patient.identity, statement({ at: now - STATEMENT_MAX_AGE_MS - 1 })), expected())).toMatchObject({ refusal: 'stale' })
    expect(checkStatement(await signStatement(patient.identity, statement({ at: now + 5 * 60_000 })), expected())).toMatchObject({ refusal: 'stale' })
    expect(checkStatement(good, expected(now))).toMatchObject({ refusal: 'stale' })
    expect(checkStatement({ ...good, statement: dagCbor.encode({ ...statement(), extra: 1 }) }, expected())).toMatchObject({ refusal: 'malformed' })
    expect(checkStatement({ ...good, statement: 'not bytes' }, expected())).toMatchObject({ refusal: 'malformed' })
  })

  it('signs under its own purpose: a sync hello\'s signature is no statement\'s, and a statement\'s is no hello\'s', async () => {
    const hello = authStatement('/orbitdb/zdpuAnything', peer, peer, 'puller')
    expect(signedBytes(encodeStatement(statement()))[0]).not.toBe(hello[0])
    const helloSignature = hexToBytes(await patient.identity.sign(patient.identity, hello))
    expect(checkStatement({ statement: hello, signature: helloSignature, identity: patient.identity.bytes }, expected())).toMatchObject({ refusal: 'malformed' })
    const bare = encodeStatement(statement())
    const bareSignature = hexToBytes(await patient.identity.sign(patient.identity, bare))
    expect(checkStatement({ statement: bare, signature: bareSignature, identity: patient.identity.bytes }, expected())).toMatchObject({ refusal: 'bad-signature' })
  })

  it('parses only the fields of a statement, each of its kind', () => {
    expect(parseStatement(encodeStatement(statement()))).toEqual(statement())
    expect(parseStatement(dagCbor.encode({ ...statement(), kind: 'delete' }))).toMatch(/asks for nothing/)
    expect(parseStatement(dagCbor.encode({ ...statement(), quota: -1 }))).toMatch(/quota/)
    expect(parseStatement(dagCbor.encode({ ...statement(), code: 'x'.repeat(200) }))).toMatch(/code/)
    expect(parseStatement(dagCbor.encode({ ...statement(), patient: patient.address.toUpperCase() }))).toMatch(/patient/)
    expect(parseStatement(new Uint8Array([0xff]))).toMatch(/dag-cbor/)
  })
})

describe('statements of files', () => {
  const root = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
  it('carry the files to hold, each a file\'s root CID and a size, and nothing else carries them', async () => {
    const files = statement({ kind: 'files', quota: 0, files: [{ cid: root, bytes: 262_160 }] })
    const signed = await signStatement(patient.identity, files)
    expect(checkStatement(signed, expected())).toEqual({ statement: files })
    expect(parseStatement(encodeStatement(statement({ kind: 'files', quota: 0 })))).toMatch(/files are named by a statement of files/)
    expect(parseStatement(encodeStatement(statement({ files: [{ cid: root, bytes: 1 }] })))).toMatch(/files are named by a statement of files/)
  })

  it('refuse a file named by a CID that is no file\'s root, a size that is no number of bytes, and a list too long', () => {
    const rest = statement({ kind: 'files', quota: 0 })
    const raw = (files: unknown): string | KeeperStatement => parseStatement(dagCbor.encode({ ...rest, files }))
    // A log entry's CID (dag-cbor) in place of a file's root.
    expect(raw([[hexToBytes('01711220' + '00'.repeat(32)), 10]])).toMatch(/root CID/)
    expect(raw([[hexToBytes('01701220' + '00'.repeat(32)), 0]])).toMatch(/size/)
    expect(raw([[hexToBytes('01701220' + '00'.repeat(32)), 1.5]])).toMatch(/size/)
    expect(raw([hexToBytes('01701220' + '00'.repeat(32))])).toMatch(/not a CID and a size/)
    expect(raw(Array.from({ length: 4097 }, () => [hexToBytes('01701220' + '00'.repeat(32)), 1]))).toMatch(/at most 4,096/)
    expect(raw([[hexToBytes('01701220' + '00'.repeat(32)), 7]])).toMatchObject({ files: [{ bytes: 7 }] })
  })
})
