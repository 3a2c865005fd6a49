// Why: eddy's command metadata (arity, flags, key specs, ACL categories, docs) is taken verbatim from
// the reference redis-server 7.0.15, so COMMAND INFO/DOCS match it byte for byte. Run once per Redis
// version: `node scripts/dump-redis-commands.mjs <port>` against a running reference server.
import net from 'node:net';
import fs from 'node:fs';

const port = Number(process.argv[2] || 6379);
const out = process.argv[3] || new URL('../src/server/meta/redis-commands.json', import.meta.url).pathname;

// Parse one RESP3 value from buf at pos; returns [tree, nextPos] or null if incomplete.
// tree = [type, value]; aggregates hold arrays of trees (maps flattened k,v,k,v).
function parse(buf, pos) {
  const nl = buf.indexOf('\r\n', pos, 'latin1');
  if (nl < 0) return null;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString('latin1', pos + 1, nl);
  let p = nl + 2;
  switch (t) {
    case '+': case '-': return [[t, line], p];
    case ':': return [[t, Number(line)], p];
    case ',': case '#': return [[t, line], p];
    case '_': return [['_', null], p];
    case '$': case '=': {
      const n = Number(line);
      if (n < 0) return [['$', null], p];
      if (buf.length < p + n + 2) return null;
      return [['$', buf.toString('latin1', p, p + n)], p + n + 2];
    }
    case '*': case '~': case '%': case '>': {
      let n = Number(line);
      if (n < 0) return [['*', null], p];
      if (t === '%') n *= 2;
      const items = [];
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (!r) return null;
        items.push(r[0]);
        p = r[1];
      }
      return [[t, items], p];
    }
    default: throw new Error('bad type ' + t);
  }
}

function request(sock, args) {
  return new Promise((resolve, reject) => {
    let acc = Buffer.alloc(0);
    const onData = (d) => {
      acc = Buffer.concat([acc, d]);
      const r = parse(acc, 0);
      if (r) { sock.off('data', onData); resolve(r[0]); }
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write('*' + args.length + '\r\n' + args.map((a) => '$' + Buffer.byteLength(a) + '\r\n' + a + '\r\n').join(''));
  });
}

const sock = net.connect(port, '127.0.0.1');
await new Promise((r) => sock.once('connect', r));
await request(sock, ['HELLO', '3']);
const all = await request(sock, ['COMMAND']);
const docs = await request(sock, ['COMMAND', 'DOCS']);
const info = {};
for (const item of all[1]) info[item[1][0][1]] = item;
const docMap = {};
for (let i = 0; i < docs[1].length; i += 2) docMap[docs[1][i][1]] = docs[1][i + 1];
fs.writeFileSync(out, JSON.stringify({ redis_version: '7.0.15', info, docs: docMap }));
console.log(`wrote ${Object.keys(info).length} commands to ${out}`);
sock.end();
