import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError, encodeErrorResult } from 'viem'
import { describe, expect, it } from 'vitest'
import { consentLedgerAbi, keyRegistryAbi } from './abi.generated.ts'
import { ChainError, toChainError } from './ChainError.ts'

describe('toChainError', () => {
  it('turns a wallet refusal into WALLET_REJECTED with a plain message', () => {
    const error = toChainError(new UserRejectedRequestError(new Error('User rejected the request.')), 'register the encryption key')
    expect(error).toBeInstanceOf(ChainError)
    expect(error.code).toBe('WALLET_REJECTED')
    expect(error.message).toBe('The wallet declined to register the encryption key. Nothing was sent.')
  })

  it('recognises the EIP-1193 refusal code on a bare provider error', () => {
    expect(toChainError(Object.assign(new Error('no'), { code: 4001 }), 'share an account').code).toBe('WALLET_REJECTED')
  })

  it('decodes a contract custom error into a message a person can act on', () => {
    const data = encodeErrorResult({ abi: keyRegistryAbi, errorName: 'KeyUnchanged' })
    const reverted = new ContractFunctionRevertedError({ abi: keyRegistryAbi, data, functionName: 'publishKey' })
    const error = toChainError(new BaseError('Execution reverted', { cause: reverted }), 'register the encryption key')
    expect(error.code).toBe('CONTRACT_REVERTED')
    expect(error.details).toBe('KeyUnchanged')
    expect(error.message).toBe('This encryption key is already registered for your address.')
  })

  it('says from when a guardian\'s refused emergency grant would pass', () => {
    // 14 January 2027, 12:00 UTC: that day or the next or the one before, in whatever time zone the device is in.
    const until = 1_799_928_000n
    const data = encodeErrorResult({ abi: consentLedgerAbi, errorName: 'DoctorRevokedRecently', args: ['0x70997970C51812dc3A010C7d01b50e0d17dc79C8', until] })
    const reverted = new ContractFunctionRevertedError({ abi: consentLedgerAbi, data, functionName: 'emergencyGrant' })
    const error = toChainError(new BaseError('Execution reverted', { cause: reverted }), 'grant emergency access')
    expect(error.details).toBe('DoctorRevokedRecently')
    expect(error.message).toMatch(/^The patient revoked this doctor less than 30 days ago, .* A guardian may grant them emergency access again from 1[345] Jan 2027, \d\d:\d\d\.$/)
  })

  it('says the chain is unreachable when the node does not answer', () => {
    const error = toChainError(new BaseError('HTTP request failed.', { details: 'fetch failed' }), 'read the registered encryption key')
    expect(error.code).toBe('CHAIN_UNREACHABLE')
    expect(error.message).toContain('could not be reached')
  })

  it('keeps a ChainError as it is', () => {
    const original = new ChainError('INVALID_ADDRESS', 'bad')
    expect(toChainError(original, 'x')).toBe(original)
  })
})
