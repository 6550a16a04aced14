// Lint: typescript-eslint (type-aware) for all TypeScript, eslint-plugin-solid for the UI.
import js from '@eslint/js'
import solid from 'eslint-plugin-solid/configs/typescript'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', '.stack/', '.ci/', '.tools/', 'node_modules/', 'contracts/artifacts/', 'contracts/cache/', 'test-results/', 'playwright-report/', 'src/chain/abi.generated.ts'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js'] }, tsconfigRootDir: import.meta.dirname },
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
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked }
)
