// Why: the CRC-64 of a large RDB file computed on a worker thread while the main thread parses it
// (the checksum is ~7% of a start-up load). Short-lived: it checksums one shared buffer and exits.
import { parentPort, workerData } from 'node:worker_threads';
import { Crc64 } from './crc64.js';

interface Job {
  data: SharedArrayBuffer;
  /** [state, lo, hi]: state 0 running, 1 done */
  out: SharedArrayBuffer;
  end: number;
}

const job = workerData as Job;
const out = new Int32Array(job.out);
const crc = new Crc64().update(new Uint8Array(job.data, 0, job.end));
out[1] = crc.lo | 0;
out[2] = crc.hi | 0;
Atomics.store(out, 0, 1);
Atomics.notify(out, 0);
parentPort?.close();
