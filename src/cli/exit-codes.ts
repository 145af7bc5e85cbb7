/**
 * The `rim` command's exit codes, one meaning each, so scripts can branch:
 * 0 done; 1 the appliance said no or could not be reached; 2 bad usage;
 * 3 the change was stored but the deployment was not admitted.
 */
export const EXIT = { ok: 0, refused: 1, usage: 2, rejected: 3 } as const;

/** A command that ran but must end non-zero; main prints `error: <code>: <message>` once. */
export class CliFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
