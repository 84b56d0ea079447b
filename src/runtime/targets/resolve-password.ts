import { AgmedicError } from '../../errors.js';
import { Secret } from '../../ports/secret.js';
import type { TargetConfig } from './types.js';

/** Asks the operator for a role's password (a hidden prompt); only the interactive runtime has one. */
export type PasswordPrompter = (role: string) => Promise<Secret>;

/**
 * The password of a sql/ntlm target, read at connect time: from the variable `auth.passwordEnv`
 * names, else from the prompter, else `SECRET_MISSING` naming the variable (never a value).
 *
 * @example
 * const password = await resolvePassword(targets.sqlserver, (role) => prompter.password(`${role} password`));
 */
export async function resolvePassword(
  target: Pick<TargetConfig, 'role' | 'auth'>,
  prompter?: PasswordPrompter,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<Secret> {
  const { auth, role } = target;
  if (auth.type === 'entra') throw new AgmedicError('INTERNAL', `target ${role} signs in with Entra ID and has no password`);
  const value = env[auth.passwordEnv];
  if (value !== undefined && value !== '') return new Secret(value);
  if (prompter) return prompter(role);
  throw new AgmedicError(
    'SECRET_MISSING',
    `target ${role}: environment variable ${auth.passwordEnv} is ${value === undefined ? 'not set' : 'empty'} and there is no terminal to ask for the password`,
    { details: { role, variable: auth.passwordEnv } },
  );
}
