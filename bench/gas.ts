// Gas of the contract calls a user pays for, measured on a fresh anvil (hardfork pinned
// in scripts/stack/anvil.ts) so the numbers compare across runs.
import { bytesToHex, createPublicClient, createWalletClient, http, keccak256, toHex, type Hash, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { foundry } from 'viem/chains'
import { startAnvil } from '../scripts/stack/anvil.ts'
import { deployContracts } from '../scripts/stack/deploy.ts'
import { consentLedgerAbi, keyRegistryAbi } from '../src/chain/abi.generated.ts'
import { deployerAccount, developmentAccounts } from '../src/chain/devAccounts.ts'
import { encodeTerms } from '../src/chain/grantTerms.ts'
import { breakGlassReasons } from '../src/chain/breakGlassReasons.ts'
import { sealKeeperList } from '../src/crypto/keeperList.ts'
import { x25519 } from '@noble/curves/ed25519.js'

export interface GasMeasurement {
  value: number
  unit: 'gas'
}

function account(label: string): (typeof developmentAccounts)[number] {
  const found = developmentAccounts.find((a) => a.label === label)
  if (found === undefined) throw new Error(`No development account labelled ${label} to measure with`)
  return found
}

async function gasUsed(publicClient: PublicClient, hash: Hash, what: string): Promise<GasMeasurement> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash, pollingInterval: 50 })
  if (receipt.status !== 'success') throw new Error(`${what} reverted while measuring gas (transaction ${hash})`)
  return { value: Number(receipt.gasUsed), unit: 'gas' }
}

/**
 * Deploys the suite on a throwaway anvil and returns the gas used (whole transaction,
 * including the 21 000 base) of the typical first call of each kind, with realistic calldata:
 * - `gas.register`: a patient's first `publishKey` (version 1), the one every new user pays;
 * - `gas.grant`: a patient's first grant to a doctor, read access to two categories for 30 days;
 * - `gas.logVisit`: that doctor recording a visit under the grant;
 * - `gas.anchor`: the patient anchoring their history (a 32-byte root, 42 entries);
 * - `gas.breakGlass`: an emergency clinician opening the patient's emergency summary;
 * - `gas.revoke`: the patient revoking the doctor's live grant;
 * - `gas.sealKeepers`: the patient leaving a list of two keepers sealed to their key on the registry
 *   for the first time (what enrolling a keeper costs on-chain).
 */
export async function measureGas(): Promise<Record<string, GasMeasurement>> {
  const anvil = await startAnvil({ port: 0 })
  try {
    const { keyRegistry, consentLedger } = await deployContracts({ rpcUrl: anvil.rpcUrl, privateKey: deployerAccount.privateKey })
    const transport = http(anvil.rpcUrl, { retryCount: 0 })
    const publicClient = createPublicClient({ chain: foundry, transport })
    const walletOf = (label: string) => createWalletClient({ account: privateKeyToAccount(account(label).privateKey), chain: foundry, transport })
    const patient = walletOf('Patient')
    const doctor = walletOf('Doctor')
    const clinician = walletOf('Emergency clinician')
    const ledger = { address: consentLedger, abi: consentLedgerAbi } as const

    // A realistic key: 32 bytes with no zero byte, as an X25519 public key almost always is
    // (zero bytes are cheaper in calldata and would flatter the number).
    const key: Hex = `0x${'a5'.repeat(32)}`
    const register = await gasUsed(publicClient, await patient.writeContract({ address: keyRegistry, abi: keyRegistryAbi, functionName: 'publishKey', args: [key, 1] }), 'publishKey')

    // Expiry and scope as the app sends them: 30 days from the chain's time, conditions and medications.
    const { timestamp } = await publicClient.getBlock()
    const terms = encodeTerms({ expiry: timestamp + 30n * 24n * 3600n, scope: { categories: ['conditions', 'medications'], mayWrite: false } })
    const grant = await gasUsed(publicClient, await patient.writeContract({ ...ledger, functionName: 'grant', args: [account('Doctor').address, terms] }), 'grant')
    const logVisit = await gasUsed(publicClient, await doctor.writeContract({ ...ledger, functionName: 'logVisit', args: [account('Patient').address] }), 'logVisit')
    // A hash-like root with no zero byte, like most roots.
    const root = keccak256(toHex('anamnesis history root'))
    const anchor = await gasUsed(publicClient, await patient.writeContract({ ...ledger, functionName: 'anchor', args: [root, 42n] }), 'anchor')
    const breakGlass = await gasUsed(
      publicClient,
      await clinician.writeContract({ ...ledger, functionName: 'breakGlass', args: [account('Patient').address, breakGlassReasons.unconscious] }),
      'breakGlass'
    )
    const own = x25519.keygen()
    const sealed = sealKeeperList(
      [1, 2].map((i) => ({ address: `/dns4/keeper${i}.hospital.example/tcp/443/wss/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2X${i}`, keeper: `0x${String(i).repeat(40)}` as const })),
      own.publicKey,
      1
    )
    const sealKeepers = await gasUsed(publicClient, await patient.writeContract({ address: keyRegistry, abi: keyRegistryAbi, functionName: 'sealKeepers', args: [bytesToHex(sealed)] }), 'sealKeepers')
    const revoke = await gasUsed(publicClient, await patient.writeContract({ ...ledger, functionName: 'revoke', args: [account('Doctor').address] }), 'revoke')
    return {
      'gas.register': register,
      'gas.grant': grant,
      'gas.revoke': revoke,
      'gas.anchor': anchor,
      'gas.breakGlass': breakGlass,
      'gas.logVisit': logVisit,
      'gas.sealKeepers': sealKeepers
    }
  } finally {
    await anvil.stop()
  }
}

if (import.meta.main) {
  measureGas().then(
    (results) => console.log(JSON.stringify(results, null, 2)),
    (err: unknown) => {
      console.error(err)
      process.exit(1)
    }
  )
}
