#!/usr/bin/env node
// Starts the telegram-test-api emulator (a fake Telegram Bot API) on 127.0.0.1.
//
//   node server.js PORT          (or TELEGRAM_EMULATOR_PORT=PORT node server.js)
//
// Prints exactly one line "ready <port>" on stdout once it listens, then runs
// until it gets SIGTERM or SIGINT. The port must be a real number: the emulator
// treats 0 as "use 9000", so the caller picks a free port itself.
//
// TELEGRAM_EMULATOR_STORE_S (default 86400) is how long the emulator keeps
// messages: it drops every stored message older than that, read or not, and
// its default of 60 s would make a bot's replies vanish in a long test run.
'use strict';

const TelegramServer = require('telegram-test-api');

const port = Number(process.argv[2] || process.env.TELEGRAM_EMULATOR_PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: node server.js PORT (a port number above 0)\n');
  process.exit(2);
}
const storeTimeout = Number(process.env.TELEGRAM_EMULATOR_STORE_S || 86400);

// The emulator posts webhooks from a promise nobody awaits: a webhook that
// answers with an error or cannot be reached would otherwise end the process.
process.on('unhandledRejection', (reason) => {
  const text = reason && reason.message ? reason.message : String(reason);
  process.stderr.write(`telegram emulator: ${text}\n`);
});

const server = new TelegramServer({ host: '127.0.0.1', port, storeTimeout });

let stopping = false;
async function stop() {
  if (stopping) {
    return;
  }
  stopping = true;
  const force = setTimeout(() => process.exit(0), 3000);
  force.unref();
  try {
    await server.stop();
  } finally {
    process.exit(0);
  }
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

server.start().then(
  () => {
    process.stdout.write(`ready ${port}\n`);
  },
  (error) => {
    process.stderr.write(`telegram emulator failed to start: ${error.message}\n`);
    process.exit(1);
  },
);
