// Why: the two ways a job can lose the right to commit, as distinct exception kinds: fenced (a
// newer instance of the same job took over: this one must stop for good) and lost (the store no
// longer holds what this instance committed: restart the job from the checkpoint).
export class CheckpointFencedException extends Error {
  override name = 'CheckpointFencedException';
}

export class CheckpointLostException extends Error {
  override name = 'CheckpointLostException';
}

/** EXEC ran, but some of the batch's commands failed (e.g. a sink writing to a key of another type). */
export class CommitCommandException extends Error {
  override name = 'CommitCommandException';
}

/** True for an error reply of the server (as opposed to a connection problem). */
export function isReplyError(e: unknown): boolean {
  return e instanceof Error && e.name === 'ReplyError';
}

/** True for a lost/refused connection (worth retrying after a reconnect), as opposed to a bug or a reply. */
export function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error) || isReplyError(e)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTCONN|ECONNABORTED|EHOSTUNREACH)$/.test(code)) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  return /Connection is closed|Stream isn't writeable|re-established|connect|max retries per request/i.test(e.message);
}
