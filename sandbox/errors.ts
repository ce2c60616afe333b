/**
 * An error the sandbox answers in the tcb error envelope `{ code, message, requestId }`, which
 * wx-server-sdk turns into a rejected promise carrying `code` and `message`.
 */
export class SandboxError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 200,
  ) {
    super(message);
    this.name = 'SandboxError';
  }
}
