// The hostile-peer figures: the attack suites (test/integration/hostilePeers.test.ts,
// hostileWriter.test.ts and hostileFiles.test.ts) run as npm test runs them, inside the private network namespace, and
// counted from vitest's JSON report.
//
// - security.hostilePeer.attacks: the attacks the suites run (one test each).
// - security.hostilePeer.refused: those refused with the history intact (the test passed: each
//   checks the refusal, that nothing of the attacker's was kept, and that the patient writes and
//   an authorised doctor reads afterwards). Equal to the first when every defence holds.
//
// `node bench/security.ts` prints them; bench/run.ts adds measureSecurity() to its figures.
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { privateNetworkCommand } from '../scripts/stack/privateNetwork.ts'
import type { Figures } from './figures.ts'

const root = path.resolve(import.meta.dirname, '..')
const SUITES = ['test/integration/hostilePeers.test.ts', 'test/integration/hostileWriter.test.ts', 'test/integration/hostileFiles.test.ts']

interface VitestReport {
  numTotalTests: number
  numPassedTests: number
}

export async function measureSecurity(): Promise<Figures> {
  const directory = await mkdtemp(path.join(tmpdir(), 'anamnesis-security-'))
  try {
    const report = path.join(directory, 'report.json')
    const { command, args } = privateNetworkCommand(path.join(root, 'node_modules', '.bin', 'vitest'), ['run', '--project', 'integration', ...SUITES, '--reporter=json', `--outputFile=${report}`])
    // A failed attack makes vitest exit 1: the report still counts it, as not refused.
    spawnSync(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    const { numTotalTests, numPassedTests } = JSON.parse(await readFile(report, 'utf8')) as VitestReport
    if (numTotalTests === 0) throw new Error('the hostile-peer suites ran no test')
    return {
      'security.hostilePeer.attacks': { value: numTotalTests, unit: 'count' },
      'security.hostilePeer.refused': { value: numPassedTests, unit: 'count' }
    }
  } finally {
    await rm(directory, { recursive: true, force: true })
  }
}

if (import.meta.main) console.log(await measureSecurity())
