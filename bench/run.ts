// `npm run bench`: builds the app, measures every figure the issues name, and writes bench/results.json.
// The keeper's load figures (keeper.load.*, keeper.disk.bytesPerRecord) take their own run,
// `npm run bench:keeper-load` (bench/keeperLoad.ts): preparing its 1,050 patients takes minutes.
import { spawnSync } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { measureApp } from './app.ts'
import { measureAttachment } from './attachment.ts'
import { measureBackup } from './backup.ts'
import { measureBreakGlass } from './breakGlass.ts'
import { measureEmergency } from './emergency.ts'
import { measureExport } from './export.ts'
import type { Figures } from './figures.ts'
import { measureGas } from './gas.ts'
import { measureHistory } from './history.ts'
import { measureImport } from './import.ts'
import { measureKeeper } from './keeper.ts'
import { measureKeeperFollowUp } from './keeperFollowUp.ts'
import { measureKeys } from './keys.ts'
import { measureRecovery } from './recovery.ts'
import { measureSecurity } from './security.ts'
import { measureHealthLink } from './shl.ts'
import { measureVisit } from './visit.ts'
import { measureViz } from './viz.ts'

const root = path.resolve(import.meta.dirname, '..')

const build = spawnSync(path.join(root, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) throw new Error('vite build failed')

const figures: Figures = { ...(await measureApp()), ...(await measureViz()), ...(await measureHistory()), ...(await measureVisit()), ...(await measureGas()), ...(await measureSecurity()), ...(await measureKeys()), ...(await measureKeeper()), ...(await measureKeeperFollowUp()), ...(await measureBackup()), ...(await measureImport()), ...(await measureExport()), ...(await measureHealthLink()), ...(await measureRecovery()), ...(await measureEmergency()), ...(await measureBreakGlass()), ...(await measureAttachment()) }
// The keeper's load figures come from `npm run bench:keeper-load` (minutes of preparation): kept as that run left them.
const file = path.join(root, 'bench', 'results.json')
const earlier = JSON.parse(await readFile(file, 'utf8').catch(() => '{}')) as Figures
const loadFigures = Object.fromEntries(Object.entries(earlier).filter(([name]) => name.startsWith('keeper.load.') || name.startsWith('keeper.disk.')))
const sorted = Object.fromEntries(Object.entries({ ...loadFigures, ...figures }).sort(([a], [b]) => a.localeCompare(b)))
await writeFile(file, JSON.stringify(sorted, null, 2) + '\n')
for (const [name, { value, unit }] of Object.entries(sorted)) console.log(`${name.padEnd(40)} ${value.toLocaleString('en')} ${unit}`)
