// The entry of npm start, npm test, npm run bench and npm run test:deep:
// `node scripts/run.mjs <script.ts | tool of node_modules/.bin> [args…]`.
// Plain JavaScript for any Node from 18 on, Node built-ins only, so that it runs before Node 22 or the
// dependencies are there. It
//  1. on a Node that cannot run TypeScript (type stripping: Node 22.18 or newer), installs Node 22 from the
//     npm registry into .tools/ (git-ignored) and runs itself again on it, that Node first on PATH;
//  2. installs or refreshes the npm dependencies when node_modules does not match package-lock.json
//     (with npm 11 or newer, which Vite 8 needs, and under Node 22: under Node 20, npm silently skips
//     Hardhat's native engine package);
//  3. runs the TypeScript script in this same process, so its own Ctrl-C handling applies, or the tool.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, lstatSync, readFileSync, realpathSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const tools = path.join(root, '.tools')
const name = `npm ${process.env.npm_lifecycle_event ?? 'run'}`
const SIGNALS = /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`\n${name}: ${message}\n`)
  process.exit(1)
}

/** @param {string} file @returns {unknown} */
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

/** @typedef {Partial<Record<'dependencies' | 'devDependencies' | 'optionalDependencies', Record<string, string>>>} Manifest */
/** @typedef {Manifest & { version?: string, optional?: boolean, os?: string[], cpu?: string[], libc?: string[] }} LockEntry */
/** @typedef {{ packages: Record<string, LockEntry | undefined> }} Lockfile */

/** Node 22.18 and 23.6 run TypeScript as they are; older ones need Node 22 beside them. @param {string} version */
function stripsTypes(version) {
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number)
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)
}

/** Runs a child with our stdio, passes signals on, and ends this process the way the child ended. */
function runChild(/** @type {string} */ command, /** @type {string[]} */ args) {
  const child = spawn(command, args, { stdio: 'inherit' })
  /** @param {NodeJS.Signals} signal */
  const forward = (signal) => void child.kill(signal)
  for (const signal of SIGNALS) process.on(signal, forward)
  child.on('error', (error) => fail(`could not run ${command}: ${error.message}`))
  child.on('exit', (code, signal) => {
    for (const s of SIGNALS) process.off(s, forward)
    if (signal === null) process.exit(code ?? 1)
    process.kill(process.pid, signal)
  })
}

/** Where the npm package of Node 22 for this machine puts its node, or why there is none. */
function localNode() {
  const os = { linux: 'linux', darwin: 'darwin' }[/** @type {string} */ (process.platform)]
  const arch = { x64: 'x64', arm64: 'arm64', arm: 'armv7l', ppc64: 'ppc64le', s390x: 's390x' }[/** @type {string} */ (process.arch)]
  const why = `Node ${process.version} cannot run the project's TypeScript scripts (that takes Node 22.18 or newer)`
  if (os === undefined || arch === undefined) fail(`${why}, and npm has no Node 22 package for ${process.platform}/${process.arch}: install Node.js 22.18 or newer and run again.`)
  const pkg = `node-${os}-${arch}`
  const prefix = path.join(tools, 'node22')
  const dir = path.join(prefix, 'node_modules', pkg)
  const node = path.join(dir, 'bin', 'node')
  const version = existsSync(node) ? /** @type {LockEntry} */ (readJson(path.join(dir, 'package.json'))).version : undefined
  if (version !== undefined && stripsTypes(version)) {
    console.log(`${name}: ${why}; running on Node ${version} from ${path.relative(root, prefix)}/`)
    return node
  }
  console.log(`${name}: ${why}; installing Node 22 (npm package ${pkg}@22) into ${path.relative(root, prefix)}/ and running on it…`)
  const result = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@22`], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0 || !existsSync(node)) {
    fail(`installing ${pkg}@22 failed${result.error ? ` (${result.error.message})` : ''}:\n${result.stdout}${result.stderr}\nInstall Node.js 22.18 or newer and run again.`)
  }
  return node
}

/** Why node_modules does not match package.json and package-lock.json, or undefined when it does. */
function dependenciesOutOfDate() {
  const installedFile = path.join(root, 'node_modules', '.package-lock.json')
  if (!existsSync(installedFile)) return 'not installed'
  const manifest = /** @type {Manifest} */ (readJson(path.join(root, 'package.json')))
  const locked = /** @type {Lockfile} */ (readJson(path.join(root, 'package-lock.json'))).packages
  const installed = /** @type {Lockfile} */ (readJson(installedFile)).packages
  for (const field of /** @type {const} */ (['dependencies', 'devDependencies', 'optionalDependencies'])) {
    const wanted = Object.entries(manifest[field] ?? {})
    const inLock = locked['']?.[field] ?? {}
    if (wanted.length !== Object.keys(inLock).length || wanted.some(([dep, range]) => inLock[dep] !== range)) return `package.json's ${field} differ from package-lock.json`
  }
  for (const [key, entry] of Object.entries(locked)) {
    const got = installed[key]
    if (key === '' || entry === undefined || got?.version === entry.version) continue
    if (got !== undefined) return `${key} is ${got.version ?? '?'}, not ${entry.version ?? '?'}`
    if (entry.optional !== true || forThisMachine(entry)) return `${key} is missing`
  }
  const extra = Object.keys(installed).find((key) => !(key in locked))
  return extra === undefined ? undefined : `${extra} is no longer in package-lock.json`
}

/** Whether npm installs an optional package on this machine: its os, cpu and libc fit, and it names at least one. */
function forThisMachine(/** @type {LockEntry} */ entry) {
  /** @param {string[] | undefined} list @param {string} value */
  const fits = (list, value) => list === undefined || ((list.some((v) => !v.startsWith('!')) ? list.includes(value) : true) && !list.includes(`!${value}`))
  if (entry.os === undefined && entry.cpu === undefined) return false
  return fits(entry.os, process.platform) && fits(entry.cpu, process.arch) && (entry.libc === undefined || entry.libc.includes(libc()))
}

/** @type {string | undefined} */
let libcName
/** glibc or musl on Linux (as npm tells them apart), else none. */
function libc() {
  if (libcName === undefined) {
    const report = /** @type {{ header?: { glibcVersionRuntime?: string } }} */ (process.report.getReport())
    libcName = process.platform !== 'linux' ? 'none' : report.header?.glibcVersionRuntime ? 'glibc' : 'musl'
  }
  return libcName
}

/** npm 11 or newer first on PATH: Vite 8 needs it. */
function ensureNpm11() {
  const version = spawnSync('npm', ['--version'], { encoding: 'utf8' })
  if (version.status !== 0) fail(`npm is needed to install the dependencies, and 'npm --version' failed${version.error ? ` (${version.error.message})` : ''}.`)
  if (Number(version.stdout.split('.')[0]) >= 11) return
  const prefix = path.join(tools, 'npm11')
  console.log(`${name}: npm ${version.stdout.trim()} is too old for Vite 8; installing npm 11 into ${path.relative(root, prefix)}/…`)
  const result = spawnSync('npm', ['install', '--prefix', prefix, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'npm@11'], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) fail(`installing npm 11 failed:\n${result.stdout}${result.stderr}`)
  process.env.PATH = `${path.join(prefix, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH ?? ''}`
}

/** Installs the dependencies when node_modules is missing or out of date: npm ci from scratch, npm install to catch up. */
function ensureDependencies() {
  const reason = dependenciesOutOfDate()
  if (reason === undefined) return
  const modules = path.join(root, 'node_modules')
  // A git worktree may link node_modules to another checkout's: installing this branch's lockfile into it would
  // take away what that checkout installed.
  if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
    console.warn(`${name}: node_modules links to ${realpathSync(modules)}, which does not match this package-lock.json (${reason}); not installing into it.`)
    return
  }
  const command = existsSync(modules) ? 'install' : 'ci'
  ensureNpm11()
  console.log(`Installing dependencies (npm ${command}: ${reason})…`)
  const result = spawnSync('npm', [command, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) fail(`'npm ${command}' failed: see the output above.`)
}

/** Puts this Node's folder first on PATH unless its node is already the first there, so tools and npm run on it. */
function putThisNodeFirstOnPath() {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== '')
  const first = dirs.map((dir) => path.join(dir, 'node')).find((file) => existsSync(file) && statSync(file).isFile())
  if (first !== undefined && realpathSync(first) === realpathSync(process.execPath)) return
  process.env.PATH = [path.dirname(process.execPath), ...dirs].join(path.delimiter)
}

const [target, ...args] = process.argv.slice(2)
if (target === undefined) fail('usage: node scripts/run.mjs <script.ts | tool of node_modules/.bin> [args…]')

if (!process.features.typescript || !stripsTypes(process.version)) {
  if (process.env.ANAMNESIS_LOCAL_NODE === '1') fail(`Node ${process.version} from .tools/ cannot run TypeScript either: remove .tools/ and run again.`)
  const node = localNode()
  process.env.PATH = `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ''}`
  process.env.ANAMNESIS_LOCAL_NODE = '1'
  runChild(node, [...process.execArgv, fileURLToPath(import.meta.url), target, ...args])
} else {
  putThisNodeFirstOnPath()
  ensureDependencies()
  if (target.endsWith('.ts')) {
    const script = path.resolve(root, target)
    process.argv = [process.execPath, script, ...args]
    await import(pathToFileURL(script).href)
  } else {
    runChild(path.join(root, 'node_modules', '.bin', target), args)
  }
}
