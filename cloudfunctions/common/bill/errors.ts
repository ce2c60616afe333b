/** A bill that cannot be read: wrong header, truncated or garbled line, corrupt gzip, no summary. */
export class BillFormatError extends Error {
  constructor(
    /** 1-based line of the bill text where reading stopped (0: before any line). */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`bill line ${line}: ${reason}`);
    this.name = 'BillFormatError';
  }
}
