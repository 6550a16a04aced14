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

function refuse(path: string, what: string): never {
  throw new HistoryError('INVALID_ENTRY', `${path} ${what}: records hold JSON values only.`, { field: path })
}

function write(value: unknown, path: string, out: string[]): void {
  switch (typeof value) {
    case 'string':
      if (LONE_SURROGATE.test(value)) refuse(path, 'contains a lone UTF-16 surrogate')
      out.push(JSON.stringify(value))
      return
    case 'number':
      if (!Number.isFinite(value)) refuse(path, `is ${String(value)}`)
      out.push(JSON.stringify(value))
      return
    case 'boolean':
      out.push(value ? 'true' : 'false')
      return
    case 'object': {
      if (value === null) {
        out.push('null')
        return
      }
      if (Array.isArray(value)) {
        out.push('[')
        value.forEach((item, i) => {
          if (i > 0) out.push(',')
          write(item, `${path}[${i}]`, out)
        })
        out.push(']')
        return
      }
      const proto = Object.getPrototypeOf(value) as unknown
      if (proto !== Object.prototype && proto !== null) refuse(path, 'is not a plain object')
      const record = value as Record<string, unknown>
      out.push('{')
      Object.keys(record)
        .filter((key) => record[key] !== undefined)
        .sort()
        .forEach((key, i) => {
          if (key === '__proto__') refuse(`${path}.${key}`, 'is not an allowed key')
          if (i > 0) out.push(',')
          out.push(JSON.stringify(key), ':')
          write(record[key], `${path}.${key}`, out)
        })
      out.push('}')
      return
    }
    default:
      refuse(path, `is ${typeof value}`)
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
  const out: string[] = []
  write(value, path, out)
  return out.join('')
}
