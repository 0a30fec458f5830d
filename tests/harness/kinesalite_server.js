// Starts kinesalite on 127.0.0.1 only (its CLI binds every interface).
// Usage: node kinesalite_server.js PORT
// The module comes from $KINESIS_NODE_MODULES, else <repo>/.deps/npm/node_modules.
'use strict';
const path = require('path');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node kinesalite_server.js PORT');
  process.exit(2);
}
const modules = process.env.KINESIS_NODE_MODULES ||
                path.join(__dirname, '..', '..', '.deps', 'npm', 'node_modules');

let kinesalite;
try {
  kinesalite = require(path.join(modules, 'kinesalite'));
} catch (e) {
  console.error(`cannot load kinesalite from ${modules}: ${e.message}`);
  process.exit(3);
}

// Short state transitions keep tests fast while still showing CREATING/DELETING/UPDATING;
// no `path` option keeps all data in memory.
const server = kinesalite({
  createStreamMs: 20,
  deleteStreamMs: 20,
  updateStreamMs: 20,
  shardLimit: 1000,
});
server.on('error', (e) => {
  console.error(`kinesalite: ${e.code || ''} ${e.message}`);
  process.exit(e.code === 'EADDRINUSE' ? 4 : 1);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`kinesalite listening on 127.0.0.1:${port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
