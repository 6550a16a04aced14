// The layers of src, checked in `npm test`'s lint stage (`depcruise src`):
//   app → feature logic (session, visit) → (history, chain, viz) → (p2p, crypto) → (config, errors, format)
//   keeper (the keeper and its protocol's client) beside the feature logic: it may use p2p, crypto and chain, never app
//   emergency (the emergency summary and card) beside history, chain and viz: it may use history; the
//   keeper may import its card link (cardLink.ts), which imports nothing of history
// Each layer may import the layers below it, never one above; nothing imports app; only crypto
// touches key material; no import cycles, type-only imports included.
const below = (...layers) => `^src/(${layers.join('|')})/`
const test = '(\\.test\\.tsx?$|^test/)'

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the modules cannot be understood, tested or loaded one at a time.',
      from: {},
      to: { circular: true }
    },
    {
      name: 'nothing-imports-app',
      severity: 'error',
      comment: 'src/app is the top: only the entry point (src/main.tsx) imports it.',
      from: { path: '^src/', pathNot: ['^src/app/', '^src/main\\.tsx$'] },
      to: { path: '^src/app/' }
    },
    {
      name: 'app-without-key-material',
      severity: 'error',
      comment: 'The app layer never touches keys: it asks session, visit or history to.',
      from: { path: '^src/app/' },
      to: { path: below('crypto') }
    },
    {
      name: 'feature-logic-layer',
      severity: 'error',
      comment: 'Session and visit logic is plain TypeScript: no app, no Solid.',
      from: { path: below('session', 'visit') },
      to: { path: ['^src/app/', '^node_modules/solid-js/', '^node_modules/@solidjs/'] }
    },
    {
      name: 'keeper-layer',
      comment: 'The keeper runs in a Node process as well as in the app: it knows nothing of the app or its features.',
      severity: 'error',
      from: { path: below('keeper') },
      to: { path: [below('app', 'session', 'visit', 'history', 'viz'), '^node_modules/solid-js/', '^node_modules/@solidjs/'] }
    },
    {
      name: 'domain-layer',
      severity: 'error',
      comment: 'history, chain, viz and emergency know nothing of the features above them.',
      from: { path: below('history', 'chain', 'viz', 'emergency') },
      to: { path: below('app', 'session', 'visit', 'keeper') }
    },
    {
      name: 'emergency-above-history',
      severity: 'error',
      comment: 'The emergency summary is built on the history: nothing under it imports it, and the keeper only its card link.',
      from: { path: below('history', 'chain', 'viz', 'p2p', 'crypto', 'config', 'errors', 'format') },
      to: { path: below('emergency') }
    },
    {
      name: 'keeper-reads-card-links-only',
      severity: 'error',
      comment: 'The keeper runs in a Node process: of the emergency domain it needs the card link alone.',
      from: { path: below('keeper') },
      to: { path: below('emergency'), pathNot: '^src/emergency/(cardLink|EmergencyError)\\.ts$' }
    },
    {
      name: 'transport-and-keys-layer',
      severity: 'error',
      comment: 'p2p and crypto sit under every domain; p2p may implement a port that history defines (types only).',
      from: { path: below('p2p', 'crypto') },
      to: { path: below('app', 'session', 'visit', 'chain', 'viz', 'keeper') }
    },
    {
      name: 'p2p-implements-history-ports-only',
      severity: 'error',
      comment: 'p2p implements interfaces that history owns; it never calls history.',
      from: { path: below('p2p') },
      to: { path: below('history'), dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'crypto-stands-alone',
      severity: 'error',
      comment: 'crypto depends on no other domain.',
      from: { path: below('crypto') },
      to: { path: below('p2p', 'history') }
    },
    {
      name: 'base-layer',
      severity: 'error',
      comment: 'config, errors and format are the bottom: they import no other folder of src.',
      from: { path: below('config', 'errors', 'format') },
      to: { path: '^src/', pathNot: ['^src/(config|errors|format)/'] }
    },
    {
      name: 'key-material-in-crypto-only',
      severity: 'error',
      comment: 'Signing, key agreement and ciphers live in src/crypto; elsewhere only hashes.',
      from: { path: '^src/', pathNot: [below('crypto'), test] },
      to: { path: '^node_modules/@noble/(curves|ciphers)/' }
    },
    {
      name: 'components-do-not-dial',
      severity: 'error',
      comment: 'Components are thin: the p2p node is reached through session and visit logic (types are fine).',
      from: { path: '^src/app/.+\\.tsx$' },
      to: { path: below('p2p'), dependencyTypesNot: ['type-only'] }
    },
    {
      name: 'product-code-without-tests',
      severity: 'error',
      comment: 'Test helpers and fixtures stay out of what ships.',
      from: { path: '^src/', pathNot: test },
      to: { path: '^test/' }
    },
    {
      name: 'development-keys-stay-out-of-the-app',
      severity: 'error',
      comment: "anvil's well-known test keys reach the app only from the local stack's config.json: nothing the app or its workers load imports them.",
      from: { path: '^src/(main\\.tsx|p2p/signatureWorker\\.ts|p2p/entryChainWorker\\.ts)$' },
      to: { path: '^src/chain/devAccounts\\.ts$', reachable: true }
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true }
    },
    {
      name: 'declared-packages-only',
      severity: 'error',
      comment: 'Every package the code imports is declared in package.json.',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] }
    },
    {
      name: 'no-dev-packages-in-the-app',
      severity: 'error',
      comment: 'What ships imports only dependencies (type-only imports of dev packages, such as FHIR types, are erased).',
      from: { path: '^src/', pathNot: test },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] }
    }
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { mainFields: ['module', 'main', 'types'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
    exclude: { path: ['^src/.*\\.d\\.ts$'] }
  }
}
