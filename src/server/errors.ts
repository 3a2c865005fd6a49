// Why: Redis's shared error texts in one place, and the exception handlers throw to reply with one
// of them (dispatch turns a ReplyError into an error reply; nothing partial has been written yet).
export class ReplyError extends Error {
  constructor(message: string) {
    // An error reply is a normal outcome (bad input, WRONGTYPE...), not a bug: skip the stack
    // capture, which costs more than the rest of a failing command.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INT = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_OUT_OF_RANGE = 'ERR index out of range';
export const ERR_DB_INDEX = 'ERR DB index is out of range';
export const ERR_WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_NOAUTH = 'NOAUTH Authentication required.';

export function fail(msg: string): never {
  throw new ReplyError(msg);
}
