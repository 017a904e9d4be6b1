/** `warm-step-functions verify`: not implemented yet (issue 6). */
import type { Io } from './main';

export async function runVerify(_argv: string[], io: Io): Promise<number> {
  io.stderr('error: verify is not available in this version\n');
  return 2;
}
