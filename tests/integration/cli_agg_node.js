// Cross-check: random records through `kinesis aggregate`, then through the reference Node
// deaggregator (aws-kinesis-agg) and through `kinesis deaggregate`; both must give back every
// record, in input order within each predicted shard, and no output may exceed the size limit.
// Usage: node cli_agg_node.js <kinesis-cli> <project-root>
// Exit 77 (skip) when the module is missing, unless CI=true.
'use strict';
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');
const { spawnSync } = require('child_process');

const cli = process.argv[2];
const root = process.argv[3] || path.join(__dirname, '..', '..');
const modules = process.env.KINESIS_NODE_MODULES || path.join(root, '.deps', 'npm', 'node_modules');
let agg;
try {
  agg = require(path.join(modules, 'aws-kinesis-agg'));
} catch (e) {
  console.error(`aws-kinesis-agg not found under ${modules}: ${e.message}`);
  process.exit(process.env.CI === 'true' ? 1 : 77);
}

let seed = 0x2545F491;
function rnd() { // xorshift32
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed;
}
const below = (n) => rnd() % n;

const pieces = ['a', 'Z', '-', '_', 'k', 'é', 'к', '日', '鍵', '🔑'];
function randomKey() {
  // Always starts with a letter: integer-like keys hit the Node module's object-order bug.
  let s = 'k';
  const n = below(4) === 0 ? below(200) : below(20);
  for (let i = 0; i < n; i++) s += pieces[below(pieces.length)];
  return s;
}
function randomEhk() {
  let v = 0n;
  for (let i = 0; i < 4; i++) v = (v << 32n) | BigInt(rnd());
  if (below(4) === 0) v >>= 64n;
  return (below(4) === 0 ? '000' : '') + v.toString();
}

function makeRecords(n, maxData) {
  const recs = [];
  for (let i = 0; i < n; i++) {
    const reuse = i > 0 && below(3) === 0 ? recs[below(i)] : null;
    const pk = reuse ? reuse.pk : randomKey();
    let ehk = null;
    if (below(3) === 0) ehk = reuse && reuse.ehk && below(2) === 0 ? reuse.ehk : randomEhk();
    const len = below(5) === 0 ? 0 : below(maxData + 1);
    const data = Buffer.alloc(len);
    for (let j = 0; j < len; j++) data[j] = rnd() & 0xff;
    recs.push({ pk, ehk, data });
  }
  return recs;
}

function effectiveKey(pk, ehk) {
  if (ehk !== null && ehk !== undefined) return BigInt(ehk);
  return BigInt('0x' + crypto.createHash('md5').update(Buffer.from(pk, 'utf8')).digest('hex'));
}
function shardOf(key, n) {
  // Shard i starts at floor(i * 2^128 / n).
  const space = 1n << 128n;
  let s = 0;
  for (let i = 1; i < n; i++) if (key >= (BigInt(i) * space) / BigInt(n)) s = i;
  return s;
}

function run(args, input) {
  const env = { PATH: process.env.PATH }; // offline: no credentials, region or endpoint
  const r = spawnSync(cli, args, { input, env, maxBuffer: 1 << 30 });
  if (r.status !== 0) {
    throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  }
  return r.stdout.toString().split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
}

function nodeDeaggregate(line) {
  let out = null;
  agg.deaggregateSync({ partitionKey: line.PartitionKey, explicitPartitionKey: line.ExplicitHashKey,
                        sequenceNumber: '1', data: line.Data }, true, (err, recs) => {
    if (err) throw err;
    out = recs;
  });
  return out;
}

let failures = 0;
function check(cond, msg) {
  if (!cond) {
    failures++;
    if (failures < 20) console.error('FAIL: ' + msg);
  }
}

function scenario(name, recs, shards, extraArgs, limit) {
  const input = recs.map((r) => JSON.stringify(r.ehk === null
    ? { PartitionKey: r.pk, Data: r.data.toString('base64') }
    : { PartitionKey: r.pk, ExplicitHashKey: r.ehk, Data: r.data.toString('base64') })).join('\n') + '\n';
  const lines = run(['aggregate', '--shard-count', String(shards), ...extraArgs], input);
  const expected = Array.from({ length: shards }, () => []);
  for (const r of recs) expected[shardOf(effectiveKey(r.pk, r.ehk), shards)].push(r);
  const viaNode = Array.from({ length: shards }, () => []);
  let aggregates = 0;
  for (const line of lines) {
    const size = Buffer.from(line.Data, 'base64').length + Buffer.byteLength(line.PartitionKey, 'utf8');
    check(size <= limit, `${name}: output of ${size} bytes over the ${limit} limit`);
    const shard = shardOf(effectiveKey(line.PartitionKey, line.ExplicitHashKey), shards);
    if (line.PartitionKey === 'a') aggregates++;
    for (const u of nodeDeaggregate(line)) viaNode[shard].push(u);
  }
  // Our own deaggregate on the same lines.
  const ours = run(['deaggregate'], lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const viaOurs = Array.from({ length: shards }, () => []);
  {
    let k = 0;
    for (const line of lines) {
      const shard = shardOf(effectiveKey(line.PartitionKey, line.ExplicitHashKey), shards);
      const n = line.PartitionKey === 'a' && nodeDeaggregate(line).length;
      const count = n || 1;
      for (let i = 0; i < count; i++) viaOurs[shard].push(ours[k++]);
    }
    check(k === ours.length, `${name}: deaggregate produced ${ours.length} records, expected ${k}`);
  }
  for (let s = 0; s < shards; s++) {
    const want = expected[s];
    check(viaNode[s].length === want.length, `${name}: shard ${s}: node gave ${viaNode[s].length} records, want ${want.length}`);
    check(viaOurs[s].length === want.length, `${name}: shard ${s}: ours gave ${viaOurs[s].length} records, want ${want.length}`);
    for (let i = 0; i < Math.min(want.length, viaNode[s].length, viaOurs[s].length); i++) {
      const w = want[i], n = viaNode[s][i], o = viaOurs[s][i];
      const wantEhk = w.ehk === null ? null : BigInt(w.ehk).toString();
      check(n.partitionKey === w.pk, `${name}: shard ${s} #${i}: node pk ${n.partitionKey} != ${w.pk}`);
      check(Buffer.from(n.data, 'base64').equals(w.data), `${name}: shard ${s} #${i}: node data differs`);
      // The Node module reads a missing EHK index as 0: compare only records that have one.
      if (wantEhk !== null) check(n.explicitPartitionKey === wantEhk, `${name}: shard ${s} #${i}: node ehk ${n.explicitPartitionKey} != ${wantEhk}`);
      check(o.PartitionKey === w.pk, `${name}: shard ${s} #${i}: ours pk ${o.PartitionKey} != ${w.pk}`);
      check((o.ExplicitHashKey === undefined ? null : o.ExplicitHashKey) === wantEhk, `${name}: shard ${s} #${i}: ours ehk ${o.ExplicitHashKey} != ${wantEhk}`);
      check(Buffer.from(o.Data, 'base64').equals(w.data), `${name}: shard ${s} #${i}: ours data differs`);
    }
  }
  console.log(`${name}: ${recs.length} records -> ${lines.length} Kinesis records (${aggregates} aggregates)`);
  if (name.includes('lone')) check(aggregates < lines.length, `${name}: no lone record emitted`);
}

scenario('4 shards, default limit', makeRecords(400, 3000), 4, [], 1048576);
scenario('3 shards, 20000-byte limit', makeRecords(400, 6000), 3, ['--max-record-bytes', '20000'], 20000);
scenario('1 shard, always aggregate, 4096-byte limit', makeRecords(300, 900), 1,
         ['--always-aggregate', '--max-record-bytes', '4096'], 4096);
scenario('2 shards, lone records', makeRecords(100, 4900), 2, ['--max-record-bytes', '5000'], 5000);
scenario('1 shard, big records', makeRecords(40, 200000), 1, [], 1048576);

if (failures) {
  console.error(`${failures} check(s) failed`);
  process.exit(1);
}
console.log('all node cross-checks passed');
