// Canonical JSON, so one entry has exactly one byte form: object keys sorted by
// UTF-16 code units, no whitespace, strings and numbers as ECMAScript's JSON.stringify
// prints them. This is RFC 8785 (JCS), checked against its test vectors (vectors/jcs),
// with one deliberate difference: a "__proto__" key, valid JSON that JCS would keep, is
// refused, so a parsed entry can never touch an object's prototype. Object properties
// whose value is undefined are left out, as JSON.stringify does; values JSON cannot
// carry faithfully (NaN, Infinity, lone surrogates, non-plain objects, undefined in a
// list) are refused, as JCS requires for those it defines.
import { HistoryError } from './HistoryError.ts'

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Where a value sits: the root's name, then keys and list indexes; made into words only for a refusal. */
type Path = (string | number)[]

function refuse(path: Path, what: string): never {
  const [root, ...steps] = path
  const where = steps.reduce<string>((words, step) => (typeof step === 'number' ? `${words}[${step}]` : `${words}.${step}`), String(root))
  throw new HistoryError('INVALID_ENTRY', `${where} ${what}: records hold JSON values only.`, { field: where })
}

// Every record is written in canonical form several times on its way in (planned, sealed, and
// again by each reader): the text is built by concatenation and the path kept as a stack, named
// only when something is refused.
function write(value: unknown, path: Path): string {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) refuse(path, 'contains a lone UTF-16 surrogate')
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `is ${String(value)}`)
      return JSON.stringify(value)
    case 'boolean':
      return value ? 'true' : 'false'
    case 'object': {
      if (value === null) return 'null'
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) {
          path.push(i)
          out += (i > 0 ? ',' : '') + write(value[i], path)
          path.pop()
        }
        return `${out}]`
      }
      const proto = Object.getPrototypeOf(value) as unknown
      if (proto !== Object.prototype && proto !== null) refuse(path, 'is not a plain object')
      const record = value as Record<string, unknown>
      let out = '{'
      for (const key of Object.keys(record).sort()) {
        const item = record[key]
        if (item === undefined) continue
        path.push(key)
        if (key === '__proto__') refuse(path, 'is not an allowed key')
        out += `${out.length > 1 ? ',' : ''}${JSON.stringify(key)}:${write(item, path)}`
        path.pop()
      }
      return `${out}}`
    }
    default:
      return refuse(path, `is ${typeof value}`)
  }
}

/**
 * The one canonical JSON text of a value (RFC 8785, except that a `__proto__` key is refused).
 * Object properties that are undefined are left out.
 *
 * @param path - Where `value` sits, for the message (`entry`, `record`).
 * @throws {HistoryError} `INVALID_ENTRY`, naming the field, for a value JSON cannot carry
 *   faithfully: NaN, Infinity, a lone surrogate, a non-plain object, undefined in a list, a function.
 */
export function canonicalJson(value: unknown, path = 'entry'): string {
  return write(value, [path])
}
