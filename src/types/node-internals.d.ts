// Why: Node's Buffer has fast, undocumented latin1Slice/latin1Write methods that we use at the
// socket edge to turn bytes into one-byte JS strings and back without the toString() dispatch.
declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(s: string, offset?: number, length?: number): number;
  }
}
export {};
