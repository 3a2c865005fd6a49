// Why: start-up loads read the RDB into shared memory and hand its checksum to a worker thread
// (crc64-worker.ts), so verifying the CRC-64 overlaps with parsing instead of following it.
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { Crc64 } from './crc64.js';

/** Below this size the checksum is computed inline (a worker costs a few ms to start). */
const MIN_PARALLEL = 4 << 20;

/** A checksum being computed elsewhere for buf[0, end). */
export interface PendingCrc {
  end: number;
  /** Wait for it (blocking); null if the worker did not deliver (the caller computes it itself). */
  wait(): Crc64 | null;
}

/** Read a whole file; a large one lands in a SharedArrayBuffer and its checksum starts on a worker. */
export function readWithCrc(file: string, crcEnd: (size: number) => number): { buf: Buffer; crc: PendingCrc | null } {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < MIN_PARALLEL) return { buf: fs.readFileSync(fd), crc: null };
    const sab = new SharedArrayBuffer(size);
    const buf = Buffer.from(sab);
    let off = 0;
    while (off < size) {
      const n = fs.readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    // A file that shrank meanwhile: parse what was read (the parser reports the truncation).
    const data = off === size ? buf : buf.subarray(0, off);
    return { buf: data, crc: startCrc(sab, Math.max(0, Math.min(crcEnd(size), off))) };
  } finally {
    fs.closeSync(fd);
  }
}

function startCrc(data: SharedArrayBuffer, end: number): PendingCrc | null {
  const outBuf = new SharedArrayBuffer(12);
  const out = new Int32Array(outBuf);
  let worker: Worker;
  try {
    worker = new Worker(new URL('./crc64-worker.js', import.meta.url), { workerData: { data, out: outBuf, end } });
  } catch {
    return null;
  }
  let failed = false;
  worker.on('error', () => {
    failed = true;
  });
  worker.unref();
  // Generous: the worker checksums at >= 300 MB/s on an idle core.
  const limitMs = 5000 + end / 20_000;
  return {
    end,
    wait(): Crc64 | null {
      const t0 = performance.now();
      while (Atomics.load(out, 0) === 0) {
        if (failed || performance.now() - t0 > limitMs) {
          void worker.terminate();
          return null;
        }
        Atomics.wait(out, 0, 0, 100);
      }
      const crc = new Crc64();
      crc.lo = out[1] >>> 0;
      crc.hi = out[2] >>> 0;
      return crc;
    },
  };
}
