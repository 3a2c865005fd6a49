// Why: the little per-server state the admin commands need that the Server type does not carry
// (memory peak, the replication id shown before replication exists, start-up memory), kept beside
// the Server in a WeakMap so the shared Server class stays untouched.
import { randomBytes } from 'node:crypto';
import type { Server } from './server.js';

export interface AdminState {
  peakMemory: number;
  startupMemory: number;
  replid: string;
}

const states = new WeakMap<Server, AdminState>();
const STARTUP_MEMORY = usedMemory();

/** What INFO calls used_memory: the JS heap in use plus memory held outside it (Buffers). */
export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

export function adminState(server: Server): AdminState {
  let s = states.get(server);
  if (!s) {
    s = { peakMemory: STARTUP_MEMORY, startupMemory: STARTUP_MEMORY, replid: randomBytes(20).toString('hex') };
    states.set(server, s);
    const st = s;
    // Sample the peak on every cron tick, as Redis does in serverCron.
    server.cronHooks.push(() => {
      const u = usedMemory();
      if (u > st.peakMemory) st.peakMemory = u;
    });
  }
  return s;
}

/** Current used memory, updating the recorded peak. */
export function sampleMemory(server: Server): { used: number; peak: number } {
  const s = adminState(server);
  const used = usedMemory();
  if (used > s.peakMemory) s.peakMemory = used;
  return { used, peak: s.peakMemory };
}
