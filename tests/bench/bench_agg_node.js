// The reference Node aggregator (aws-kinesis-agg) on the same input as bench_agg.c: N records of
// D bytes with K-character keys from the same xorshift32 stream. Prints BENCH lines. Rates are
// per CPU-second of the process (user + system), like bench_agg.c and `openssl speed`.
// Usage: node bench_agg_node.js <node_modules dir> [records] [data_bytes] [key_chars]
'use strict';
const path = require('path');
const agg = require(path.resolve(process.argv[2], 'aws-kinesis-agg'));
const n = parseInt(process.argv[3] || '1000000', 10);
const dlen = parseInt(process.argv[4] || '100', 10);
const klen = parseInt(process.argv[5] || '16', 10);

let seed = 12345;
function rnd() {
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed;
}
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const records = new Array(n);
for (let i = 0; i < n; i++) {
  let k = ALNUM[rnd() % 52];
  for (let j = 1; j < klen; j++) k += ALNUM[rnd() % 62];
  const d = Buffer.allocUnsafe(dlen);
  for (let j = 0; j < dlen; j++) d[j] = rnd() & 0xff;
  records[i] = { partitionKey: k, data: d };
}

function cpuSeconds() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function pack() {
  return new Promise((resolve, reject) => {
    const out = [];
    agg.aggregate(records, (encoded, done) => { out.push(encoded); done(); },
                  () => resolve(out), (err) => reject(err));
  });
}

(async () => {
  const t0 = cpuSeconds();
  const blobs = await pack();
  const packS = cpuSeconds() - t0;
  let bytes = 0;
  for (const b of blobs) bytes += b.data.length;
  // deaggregate takes base64 data (as Lambda and GetRecords JSON deliver it): convert untimed.
  const inputs = blobs.map((b) => ({ partitionKey: b.partitionKey, sequenceNumber: '1',
                                     data: b.data.toString('base64') }));
  let got = 0;
  const t1 = cpuSeconds();
  for (const rec of inputs) {
    agg.deaggregateSync(rec, true, (err, users) => {
      if (err) throw err;
      got += users.length;
    });
  }
  const unpackS = cpuSeconds() - t1;
  if (got !== n) throw new Error(`deaggregated ${got} of ${n}`);
  console.log(`BENCH node_agg_blobs ${blobs.length} blobs`);
  console.log(`BENCH node_agg_blob_bytes ${bytes} bytes`);
  console.log(`BENCH node_agg_pack_records_per_s ${(n / packS).toFixed(0)} records/s`);
  console.log(`BENCH node_agg_pack_bytes_per_s ${(bytes / packS).toFixed(0)} bytes/s`);
  console.log(`BENCH node_agg_unpack_records_per_s ${(n / unpackS).toFixed(0)} records/s`);
  console.log(`BENCH node_agg_unpack_bytes_per_s ${(bytes / unpackS).toFixed(0)} bytes/s`);
})().catch((e) => { console.error(e); process.exit(1); });
