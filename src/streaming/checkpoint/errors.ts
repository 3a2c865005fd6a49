// Why: the two ways a job can lose the right to commit, as distinct exception kinds: fenced (a
// newer instance of the same job took over: this one must stop for good) and lost (the store no
// longer holds what this instance committed: restart the job from the checkpoint).
export class CheckpointFencedException extends Error {
  override name = 'CheckpointFencedException';
}

export class CheckpointLostException extends Error {
  override name = 'CheckpointLostException';
}

/** True for an error reply of the server (as opposed to a connection problem). */
export function isReplyError(e: unknown): boolean {
  return e instanceof Error && e.name === 'ReplyError';
}
