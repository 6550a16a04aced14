// Lint: typescript-eslint (type-aware) for all TypeScript, eslint-plugin-solid for the UI.
import js from '@eslint/js'
import jsdoc from 'eslint-plugin-jsdoc'
import solid from 'eslint-plugin-solid/configs/typescript'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', '.stack/', '.ci/', '.tools/', 'node_modules/', 'contracts/artifacts/', 'contracts/cache/', 'test-results/', 'playwright-report/', 'src/chain/abi.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', '.dependency-cruiser.cjs', 'public/sw-routes.js'] }, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.browser, ...globals.node }
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: false }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      '@typescript-eslint/no-non-null-assertion': 'error',
      'no-control-regex': 'off'
    }
  },
  { files: ['src/**/*.tsx'], ...solid },
  {
    // Plain script that the service worker imports; the static routes it uses have no TypeScript types yet.
    files: ['public/sw-routes.js'],
    languageOptions: { globals: globals.serviceworker },
    rules: { '@typescript-eslint/no-unsafe-call': 'off', '@typescript-eslint/no-unsafe-member-access': 'off' }
  },
  {
    // The domains' public surface is documented where an editor shows it: all four
    // domains, chain, crypto, history and p2p.
    files: ['src/{chain,crypto,history,keeper,p2p}/**/*.ts'],
    // icd10Codes.ts is a data table, documented by its module comment; orbitdb.d.ts
    // declares a library's types, documented by the library.
    ignores: ['**/*.test.ts', 'src/history/icd10Codes.ts', 'src/p2p/orbitdb.d.ts'],
    plugins: { jsdoc },
    rules: {
      'jsdoc/require-jsdoc': [
        'error',
        {
          publicOnly: { esm: true },
          require: { FunctionDeclaration: true, ClassDeclaration: true, ArrowFunctionExpression: true, FunctionExpression: true },
          contexts: ['TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSEnumDeclaration', 'ExportNamedDeclaration > VariableDeclaration']
        }
      ]
    }
  },
  {
    // Components are thin bindings: the network is reached through session and visit logic.
    files: ['src/app/**/*.tsx'],
    rules: {
      'no-restricted-globals': ['error', { name: 'fetch', message: 'Components do not fetch: load through a module of session, visit or a domain.' }],
      'no-restricted-syntax': [
        'error',
        { selector: 'CallExpression[callee.property.name=/^(dial|dialProtocol|newStream)$/]', message: 'Components do not dial: connect through the visit or session logic.' }
      ]
    }
  },
  { files: ['eslint.config.js', '.dependency-cruiser.cjs'], ...tseslint.configs.disableTypeChecked }
)
