// Preloaded with `node -r` so that a server that hard-codes 0.0.0.0 (kinesis-local) listens on
// loopback only. Every TCP listen goes through net.Server.prototype.listen (http, https, http2
// and tls servers inherit it), so rewriting the host argument there covers all of them.
// Unix-socket paths and inherited handles are left alone.
'use strict';
const net = require('net');

const LOOPBACK = '127.0.0.1';
const originalListen = net.Server.prototype.listen;

function isPortLike(v) {
  return typeof v === 'number' || (typeof v === 'string' && /^\d+$/.test(v));
}

net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (isPortLike(first)) {
    // listen(port[, host][, backlog][, callback])
    if (typeof args[1] === 'string') {
      args[1] = LOOPBACK;
    } else {
      args.splice(1, 0, LOOPBACK);
    }
  } else if (first !== null && typeof first === 'object' && !first._handle && !('fd' in first) &&
             !('handle' in first) && first.path === undefined) {
    // listen(options[, callback]); copy so the caller's object is not modified
    args[0] = Object.assign({}, first, { host: LOOPBACK, ipv6Only: false });
  } else if (first === undefined || typeof first === 'function') {
    // listen([callback]): a random port on all interfaces otherwise
    args.unshift(0, LOOPBACK);
  }
  return originalListen.apply(this, args);
};
