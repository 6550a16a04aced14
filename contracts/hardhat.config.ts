// Hardhat 3 configuration for Anamnesis' contracts: compiled with the npm solc
// (no compiler download), tested with Solidity tests whose fuzz depth is set by FUZZ_RUNS.
import { createRequire } from 'node:module'
import path from 'node:path'
import type { HardhatUserConfig } from 'hardhat/config'

const require = createRequire(import.meta.url)

// Hardhat downloads solc unless given a path; the npm package ships the wasm build.
const solcPath = require.resolve('solc/soljson.js')
const solcVersion = (require('solc/package.json') as { version: string }).version

const fuzzRunsText = process.env.FUZZ_RUNS ?? '256'
const fuzzRuns = Number(fuzzRunsText)
if (!/^\d+$/.test(fuzzRunsText) || !Number.isSafeInteger(fuzzRuns) || fuzzRuns < 1) {
  throw new Error(`FUZZ_RUNS must be a positive integer, got '${fuzzRunsText}'`)
}

// Hardhat 3 takes the nearest package.json as its root (the repository top), so
// relative paths would point at the app's src/ and test/: anchor them here.
const here = import.meta.dirname

const config: HardhatUserConfig = {
  paths: {
    sources: path.join(here, 'src'),
    tests: { solidity: path.join(here, 'test') },
    artifacts: path.join(here, 'artifacts'),
    cache: path.join(here, 'cache')
  },
  solidity: {
    version: solcVersion,
    path: solcPath,
    settings: {
      // solc 0.8.37 defaults to osaka; anvil 1.7 and current chains run prague.
      evmVersion: 'prague',
      optimizer: { enabled: true, runs: 10_000 },
      // The IR pipeline inlines the ABI decoding and the checks the legacy one calls out to:
      // 250 to 350 gas less per call here (see bench/gas.ts), and KeyRegistry's publishKey too.
      viaIR: true
    }
  },
  test: {
    solidity: {
      fuzz: { runs: fuzzRuns },
      // Invariant runs each make `depth` calls: keep them proportionally fewer.
      invariant: { runs: Math.max(16, Math.ceil(fuzzRuns / 16)), depth: 32 }
    }
  }
}

export default config
