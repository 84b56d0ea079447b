import { userInfo } from 'node:os';

/** Who is running agmedic, for the audit log and lock holders: $AGMEDIC_OPERATOR, else the OS user. */
export function operatorName(env: Readonly<Record<string, string | undefined>> = process.env): string {
  try {
    return env.AGMEDIC_OPERATOR || userInfo().username;
  } catch {
    return env.USER ?? 'unknown';
  }
}
