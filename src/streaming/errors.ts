// Why: the exception kinds Spark Streaming throws (IllegalArgumentException from `require`,
// IllegalStateException, SparkException), so callers can match on name and message exactly.
export class IllegalArgumentException extends Error {
  override name = 'IllegalArgumentException';
}

export class IllegalStateException extends Error {
  override name = 'IllegalStateException';
}

export class StreamingException extends Error {
  override name = 'SparkException';
}

/** Scala's `require`: throws IllegalArgumentException("requirement failed: " + msg). */
export function requireArg(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new IllegalArgumentException(`requirement failed: ${msg}`);
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
