/**
 * A credential that cannot leak by accident. The value lives in an ECMAScript private field, so
 * it is invisible to `Object.keys`, spread, `structuredClone` and `util.inspect`; printing shows
 * `[secret]`, and serialising throws so that a secret travelling towards a log or a file is a loud
 * bug in tests rather than a quiet leak in production.
 */
import { AgmedicError } from '../errors.js';

// Symbol.for keeps this module free of node:util, so ports stay importable from anywhere.
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * A string such as a password or token that only {@link Secret.reveal} can read.
 *
 * @example
 * const pwd = Secret.fromEnv('AGMEDIC_SQL_PASSWORD');
 * console.log(`${pwd}`);            // [secret]
 * JSON.stringify({ pwd });          // throws AgmedicError INTERNAL
 * driver.connect({ password: pwd.reveal() });
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    if (typeof value !== 'string') throw new AgmedicError('INTERNAL', 'a Secret holds a string');
    this.#value = value;
    Object.freeze(this);
  }

  /**
   * Reads a secret from an environment variable. An unset or empty variable is refused with
   * `SECRET_MISSING`; the message names the variable and never a value.
   *
   * @example
   * const token = Secret.fromEnv('AZURE_TOKEN');
   */
  static fromEnv(name: string, env: Readonly<Record<string, string | undefined>> = process.env): Secret {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new AgmedicError('SECRET_MISSING', `environment variable ${name} is ${value === undefined ? 'not set' : 'empty'}`, {
        details: { variable: name },
      });
    }
    return new Secret(value);
  }

  /** True for values built by this class; the audit redactor uses it to refuse secrets. */
  static isSecret(value: unknown): value is Secret {
    return typeof value === 'object' && value !== null && #value in value;
  }

  /** The only way to the value: call it at the last moment, where the driver needs it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return '[secret]';
  }

  /** Throws: a secret must never reach JSON.stringify (logs, audit records, plan files). */
  toJSON(): never {
    throw new AgmedicError('INTERNAL', 'a secret reached a serialiser');
  }

  [inspectCustom](): string {
    return '[secret]';
  }
}
