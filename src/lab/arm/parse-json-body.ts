import { ArmBackendError } from './types.js';

/** Bodies are JSON; anything else is refused before any validation. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ArmBackendError(400, 'InvalidRequestContent', `the request body is not valid JSON: ${(err as Error).message}`);
  }
}
