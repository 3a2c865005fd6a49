// Why: LOLWUT as Redis 7.0 answers it: the version line by default, and with VERSION 5 (or 6)
// Georg Nees' "Schotter" drawn on a braille-dot canvas exactly like lolwut5.c.
import type { Client } from './client.js';
import type { CommandDef } from './command-table.js';
import { REDIS_VERSION } from './server.js';
import { getInt } from './args.js';

/** An integer argument clamped to Redis's limits (LOLWUT stays fast and cheap). */
function clampArg(s: string, min: number, max: number): number {
  return Math.min(max, Math.max(min, getInt(s)));
}

class Canvas {
  readonly pixels: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height);
  }
  set(x: number, y: number): void {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return;
    this.pixels[x + y * this.width] = 1;
  }
  get(x: number, y: number): number {
    if (x < 0 || x >= this.width || y < 0 || y >= this.height) return 0;
    return this.pixels[x + y * this.width];
  }
  line(x1: number, y1: number, x2: number, y2: number): void {
    const dx = Math.abs(x2 - x1);
    const dy = Math.abs(y2 - y1);
    const sx = x1 < x2 ? 1 : -1;
    const sy = y1 < y2 ? 1 : -1;
    let err = dx - dy;
    for (;;) {
      this.set(x1, y1);
      if (x1 === x2 && y1 === y2) break;
      const e2 = err * 2;
      if (e2 > -dy) {
        err -= dy;
        x1 += sx;
      }
      if (e2 < dx) {
        err += dx;
        y1 += sy;
      }
    }
  }
  square(x: number, y: number, size: number, angle: number): void {
    size = Math.round(size / 1.4142135623);
    const px: number[] = [];
    const py: number[] = [];
    let k = Math.PI / 4 + angle;
    for (let j = 0; j < 4; j++) {
      px.push(Math.round(Math.sin(k) * size + x));
      py.push(Math.round(Math.cos(k) * size + y));
      k += Math.PI / 2;
    }
    for (let j = 0; j < 4; j++) this.line(px[j], py[j], px[(j + 1) % 4], py[(j + 1) % 4]);
  }
  /** Braille rendering: each character is a 2x4 block of pixels (UTF-8 bytes as latin1). */
  render(): string {
    let out = '';
    for (let y = 0; y < this.height; y += 4) {
      for (let x = 0; x < this.width; x += 2) {
        let b = 0;
        if (this.get(x, y)) b |= 1;
        if (this.get(x, y + 1)) b |= 2;
        if (this.get(x, y + 2)) b |= 4;
        if (this.get(x + 1, y)) b |= 8;
        if (this.get(x + 1, y + 1)) b |= 16;
        if (this.get(x + 1, y + 2)) b |= 32;
        if (this.get(x, y + 3)) b |= 64;
        if (this.get(x + 1, y + 3)) b |= 128;
        const code = 0x2800 + b;
        out += String.fromCharCode(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
      }
      if (y !== this.height - 1) out += '\n';
    }
    return out;
  }
}

function schotter(cols: number, perRow: number, perCol: number): Canvas {
  const width = cols * 2;
  const padding = width > 4 ? 2 : 0;
  const side = Math.fround((width - padding * 2) / perRow);
  const height = Math.trunc(side * perCol + padding * 2);
  const canvas = new Canvas(width, height);
  for (let y = 0; y < perCol; y++) {
    for (let x = 0; x < perRow; x++) {
      let sx = Math.trunc(x * side + side / 2 + padding);
      let sy = Math.trunc(y * side + side / 2 + padding);
      let angle = 0;
      if (y > 1) {
        let r1 = (Math.random() / perCol) * y;
        let r2 = (Math.random() / perCol) * y;
        let r3 = (Math.random() / perCol) * y;
        if (Math.random() < 0.5) r1 = -r1;
        if (Math.random() < 0.5) r2 = -r2;
        if (Math.random() < 0.5) r3 = -r3;
        angle = r1;
        sx = Math.trunc(sx + (r2 * side) / 3);
        sy = Math.trunc(sy + (r3 * side) / 3);
      }
      canvas.square(sx, sy, side, angle);
    }
  }
  return canvas;
}

function lolwut(c: Client, argv: string[]): void {
  let args = argv.slice(1);
  let version = 7;
  if (argv.length >= 3 && argv[1].toLowerCase() === 'version') {
    version = getInt(argv[2]);
    args = argv.slice(3);
  }
  if (version !== 5 && version !== 6) {
    c.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
    return;
  }
  const cols = args.length > 0 ? clampArg(args[0], 1, 1000) : 66;
  const perRow = args.length > 1 ? clampArg(args[1], 1, 200) : 8;
  const perCol = args.length > 2 ? clampArg(args[2], 1, 200) : 12;
  let text = schotter(cols, perRow, perCol).render();
  if (version === 5) text += `\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`;
  else text += `\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`;
  c.verbatim(text);
}

export const commands: CommandDef[] = [{ name: 'lolwut', handler: lolwut }];
