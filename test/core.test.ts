// Why: the dispatch core against the reference — unknown commands, arity, MULTI/EXEC/WATCH rules,
// protocol errors closing only the offending connection, inline commands, RESP3 HELLO.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Differential, type DiffPair } from './support/diff.js';
import { RawClient } from './support/raw-client.js';

let d: Differential;
let p: DiffPair;

beforeAll(async () => {
  d = await Differential.start();
  p = await d.connect();
});
afterAll(async () => {
  await d?.stop();
});

describe('dispatch', () => {
  it('replies like redis to basic and bad commands', async () => {
    for (const argv of [
      ['PING'],
      ['ping', 'hello'],
      ['PING', 'a', 'b'],
      ['ECHO', 'x\r\ny'],
      ['echo'],
      ['nosuchcommand', 'a', 'b'],
      ['nosuchcommand'],
      ['client', 'nosuch', 'x'],
      ['SELECT', '99'],
      ['SELECT', 'x'],
      ['SELECT', '1'],
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['SELECT', '0'],
      ['GET', 'k'],
      ['SWAPDB', '0', '1'],
      ['GET', 'k'],
      ['SWAPDB', 'x', '1'],
      ['SWAPDB', '0', 'x'],
      ['SWAPDB', '0', '99'],
      ['AUTH', 'x'],
      ['AUTH', 'a', 'b'],
      ['AUTH', 'a', 'b', 'c'],
      ['HELLO', '4'],
      ['HELLO', 'x'],
      ['HELLO', '2', 'foo'],
      ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'SETNAME', 'me'],
      ['CLIENT', 'GETNAME'],
      ['CLIENT', 'KILL', '1.2.3.4:5'],
      ['CLIENT', 'KILL', 'ID', '99999'],
      ['CLIENT', 'PAUSE', 'abc'],
      ['CLIENT', 'NO-EVICT', 'maybe'],
      ['CLIENT', 'NO-EVICT', 'on'],
      ['CLIENT', 'REPLY', 'foo'],
    ]) {
      await p.run(argv);
    }
  });

  it('MULTI/EXEC: queuing errors abort, runtime errors do not', async () => {
    const script: string[][] = [
      ['MULTI'],
      ['MULTI'],
      ['WATCH', 'a'],
      ['SET', 'a', '1'],
      ['GET'],
      ['EXEC'],
      ['GET', 'a'],
      ['EXEC'],
      ['DISCARD'],
      ['MULTI'],
      ['SET', 'a', '1'],
      ['nosuch'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'a', '2'],
      ['GET', 'a'],
      ['EXEC'],
      ['MULTI'],
      ['SET', 'a', '3'],
      ['DISCARD'],
      ['GET', 'a'],
    ];
    for (const argv of script) await p.run(argv);
  });

  it('WATCH: a change from another client makes EXEC return null', async () => {
    const other = await d.connect();
    for (const [who, argv] of [
      [p, ['WATCH', 'w']],
      [other, ['SET', 'w', 'x']],
      [p, ['MULTI']],
      [p, ['SET', 'w', 'mine']],
      [p, ['EXEC']],
      [p, ['GET', 'w']],
      [p, ['WATCH', 'w']],
      [p, ['MULTI']],
      [p, ['SET', 'w', 'mine']],
      [p, ['EXEC']],
      [p, ['GET', 'w']],
    ] as [DiffPair, string[]][]) {
      await who.run(argv);
    }
  });

  it('RESP3: HELLO 3 then nulls and maps', async () => {
    const p3 = await d.connect(3);
    await p3.run(['GET', 'nosuchkey']);
    await p3.run(['PING']);
    await p3.run(['HELLO', '2', 'SETNAME', 'x'], { ignore: true });
    await p3.run(['GET', 'nosuchkey']);
  });

  it('inline commands, pipelines and protocol errors', async () => {
    for (const raw of [
      'PING\r\nECHO hello\r\n',
      'set a "b c"\r\nget a\r\n',
      "echo 'x\\'y'\r\n",
      'echo "\\x41\\x42"\r\n',
      '\r\n\r\nPING\n',
    ]) {
      const e = await RawClient.connect(d.eddyServer.port);
      const r = await RawClient.connect(d.redisServer.port);
      e.writeRaw(raw);
      r.writeRaw(raw);
      const n = raw.split('\n').filter((l) => l.trim()).length;
      for (let i = 0; i < n; i++) expect(await e.read()).toBe(await r.read());
      e.close();
      r.close();
    }
    for (const raw of [
      '*1\r\n$4\r\nPING\r\n*1\r\nx\r\n',
      'set a "b\r\n',
      '*2\r\n$3\r\nget\r\n$-1\r\n',
      '*3000000000\r\n',
      '*abc\r\n',
      '*1\r\n$600000000\r\n',
      "echo 'a'b\r\n",
    ]) {
      const e = await RawClient.connect(d.eddyServer.port);
      const r = await RawClient.connect(d.redisServer.port);
      e.writeRaw(raw);
      r.writeRaw(raw);
      const [ce, cr] = await Promise.all([e.waitClose(), r.waitClose()]);
      expect(ce).toBe(true);
      expect(cr).toBe(true);
      expect(e.pending()).toBe(r.pending());
    }
    // The server is still fine for everyone else.
    await p.run(['PING']);
  });
});
