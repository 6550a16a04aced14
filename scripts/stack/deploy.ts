// Deploys the contract suite to a chain (the local anvil, chain 31337) from the
// generated ABI and bytecode, and waits until every contract has code on chain.
import { parseArgs } from 'node:util'
import { BaseError, createPublicClient, createWalletClient, getAddress, http, isHex, type Abi, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { consentLedgerAbi, consentLedgerBytecode, keyRegistryAbi, keyRegistryBytecode } from '../../src/chain/abi.generated.ts'
import { deployerAccount } from '../../src/chain/devAccounts.ts'

export interface DeployContractsOptions {
  rpcUrl: string
  /** The deployer's key; on the local chain, `deployerAccount.privateKey` from src/chain/devAccounts.ts. */
  privateKey: Hex
}

/** Where each contract of the suite was deployed; the keys are the app config's contract names. */
export interface DeployedContracts {
  keyRegistry: Address
  consentLedger: Address
}

export type DeployErrorCode = 'INVALID_OPTIONS' | 'CHAIN_UNREACHABLE' | 'WRONG_CHAIN' | 'DEPLOY_FAILED'

export class DeployError extends Error {
  override name = 'DeployError'
  readonly code: DeployErrorCode
  readonly details: string | undefined

  constructor(code: DeployErrorCode, message: string, details?: string) {
    super(message)
    this.code = code
    this.details = details
  }
}

export async function deployContracts({ rpcUrl, privateKey }: DeployContractsOptions): Promise<DeployedContracts> {
  if (!isHex(privateKey) || privateKey.length !== 66) {
    throw new DeployError('INVALID_OPTIONS', 'The deployer private key must be 0x followed by 64 hex digits')
  }
  const account = privateKeyToAccount(privateKey)
  const transport = http(rpcUrl, { retryCount: 0 })
  const publicClient = createPublicClient({ chain: foundry, transport })
  const walletClient = createWalletClient({ account, chain: foundry, transport })

  let chainId: number
  try {
    chainId = await publicClient.getChainId()
  } catch (err) {
    throw new DeployError('CHAIN_UNREACHABLE', `No chain answers on ${rpcUrl}: start anvil first (node scripts/stack/anvil.ts)`, describe(err))
  }
  if (chainId !== foundry.id) {
    throw new DeployError('WRONG_CHAIN', `The chain on ${rpcUrl} has id ${chainId}; these contracts are deployed by this script only on the local chain (${foundry.id})`)
  }

  const deploy = async (name: string, abi: Abi, bytecode: Hex): Promise<Address> => {
    try {
      const hash = await walletClient.deployContract({ abi, bytecode })
      const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 100 })
      if (receipt.status !== 'success' || receipt.contractAddress == null) {
        throw new DeployError('DEPLOY_FAILED', `Deploying ${name} reverted (transaction ${hash})`)
      }
      return getAddress(receipt.contractAddress)
    } catch (err) {
      if (err instanceof DeployError) throw err
      throw new DeployError('DEPLOY_FAILED', `Could not deploy ${name} from ${account.address}`, describe(err))
    }
  }

  // One after another: each deployment takes the deployer's next nonce, so addresses stay predictable.
  const keyRegistry = await deploy('KeyRegistry', keyRegistryAbi, keyRegistryBytecode)
  const consentLedger = await deploy('ConsentLedger', consentLedgerAbi, consentLedgerBytecode)
  return { keyRegistry, consentLedger }
}

function describe(err: unknown): string {
  if (err instanceof BaseError) return err.shortMessage
  return err instanceof Error ? err.message : String(err)
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'rpc-url': { type: 'string', default: 'http://127.0.0.1:8545' },
      'private-key': { type: 'string', default: deployerAccount.privateKey }
    }
  })
  const contracts = await deployContracts({ rpcUrl: values['rpc-url'], privateKey: values['private-key'] as Hex })
  console.log(JSON.stringify(contracts, null, 2))
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    if (err instanceof DeployError) {
      console.error(`deploy: ${err.message}`)
      if (err.details !== undefined) console.error(err.details)
    } else {
      console.error(err)
    }
    process.exit(1)
  })
}
