import { BaseError, ContractFunctionRevertedError, encodeErrorResult, type Abi } from 'viem'
import { describe, expect, it } from 'vitest'
import { consentLedgerAbi, keyRegistryAbi } from './abi.generated.ts'
import { toChainError } from './ChainError.ts'

const contracts: [string, Abi][] = [
  ['KeyRegistry', keyRegistryAbi],
  ['ConsentLedger', consentLedgerAbi]
]

describe('every custom error of every contract', () => {
  for (const [contract, abi] of contracts) {
    const errors = abi.filter((item) => item.type === 'error')
    it.each(errors.map((item) => [item.name, item] as const))(`${contract}.%s reads as a sentence a person can act on`, (_name, item) => {
      const args = item.inputs.map((input) => (input.type === 'address' ? '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' : 1n))
      const data = encodeErrorResult({ abi, errorName: item.name, args })
      const reverted = new ContractFunctionRevertedError({ abi, data, functionName: 'grant' })
      const error = toChainError(new BaseError('Execution reverted', { cause: reverted }), 'do it')

      expect(error.code).toBe('CONTRACT_REVERTED')
      expect(error.details).toBe(item.name)
      // The generic fallback names the error; a real message does not, and ends like a sentence.
      expect(error.message).not.toContain(item.name)
      expect(error.message).toMatch(/^[A-Z].*\.$/)
    })
  }
})
