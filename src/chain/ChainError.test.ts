import { BaseError, ContractFunctionRevertedError, UserRejectedRequestError, encodeErrorResult } from 'viem'
import { describe, expect, it } from 'vitest'
import { keyRegistryAbi } from './abi.generated.ts'
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
