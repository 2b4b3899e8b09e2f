// Interop through the bundled broker with npm's kafkajs (pinned in package.json)
// and @kafkajs/confluent-schema-registry 3.9.0, over the real Kafka protocol
// (librdkafka's mock cluster, started by `avroreg broker`) and the real registry:
//
// - taxi rides produced by the C producer (taxi-producer, libavroreg) and records
//   produced by `avroreg produce` are consumed by a kafkajs consumer and decoded
//   with the kafkajs registry's decode();
// - a record encoded with the kafkajs registry's encode() and produced by a
//   kafkajs producer is decoded by `avroreg consume`.
//
// Prints TAP-style "ok - name" / "not ok - name" lines; exits non-zero when a
// check fails. Stops everything it started, on failure too.
//
// Run: node tests/clients/test_kafkajs_interop.mjs
// AVROREG picks the CLI (default: bin/avroreg; taxi-producer is taken from the
// same directory), AVRO_REGISTRY_BIN the server (default: bin/avro-registry).
// KAFKAJS_LOG_LEVEL (ERROR, WARN, INFO, DEBUG) turns kafkajs' own logs on.
// When tests/clients/node_modules lacks a dependency it runs `npm ci` there.
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const REGISTRY_BIN = path.resolve(process.env.AVRO_REGISTRY_BIN || path.join(ROOT, 'bin', 'avro-registry'));
const AVROREG = path.resolve(process.env.AVROREG || path.join(ROOT, 'bin', 'avroreg'));
const TAXI_PRODUCER = path.join(path.dirname(AVROREG), 'taxi-producer');
const TAXI = path.join(ROOT, 'examples', 'taxi');
const VALUE_SCHEMA = path.join(TAXI, 'taxi_ride.avsc');
const KEY_SCHEMA = path.join(TAXI, 'taxi_ride_key.avsc');
const DEPS = { '@kafkajs/confluent-schema-registry': '3.9.0', kafkajs: '2.2.4' };
const FLOAT_TOLERANCE = 1e-4; // the schema's floats are 32-bit
const SUITE_DEADLINE_MS = 110_000;

let failures = 0;
process.stdout.on('error', () => {}); // a closed pipe (| head) is not a test failure

function ok(name, cond, detail = '') {
  if (cond) {
    console.log(`ok - ${name}`);
  } else {
    failures += 1;
    console.log(`not ok - ${name}`);
    for (const line of String(detail).split('\n').slice(0, 40)) console.log(`    ${line}`);
  }
  return cond;
}

function eq(name, got, want) {
  return ok(name, isDeepStrictEqual(got, want),
    `got:  ${inspect(got, { depth: 6 })}\nwant: ${inspect(want, { depth: 6 })}`);
}

const plain = (v) => JSON.parse(JSON.stringify(v));
const unique = (prefix) => `${prefix}-${crypto.randomBytes(4).toString('hex')}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sanitizerClean = (text) => !text.includes('Sanitizer') && !text.includes('runtime error');

// Resolves with p's value, or rejects after ms with a message naming what hung.
function within(ms, what, p) {
  let timer;
  const t = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// --- processes we started: never left behind -----------------------------------
const live = new Set();
const scratch = [];

function killAll() {
  for (const proc of live) {
    try { proc.kill('SIGKILL'); } catch { /* already gone */ }
  }
  for (const dir of scratch) fs.rmSync(dir, { recursive: true, force: true });
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.log(`not ok - suite interrupted by ${sig}`);
    killAll();
    process.exit(1);
  });
}

// Starts a long-running child; .exit resolves with {code, signal}, .log holds its output.
function startChild(cmd, args) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const child = { proc, out: '', err: '', exited: null };
  live.add(proc);
  proc.stdout.on('data', (c) => { child.out += c; });
  proc.stderr.on('data', (c) => { child.err += c; });
  child.exit = new Promise((resolve) => {
    proc.on('error', (e) => {
      child.err += `spawn error: ${e.message}\n`;
      if (!child.exited) { child.exited = { code: -1, signal: null }; live.delete(proc); resolve(child.exited); }
    });
    proc.on('close', (code, signal) => {
      if (!child.exited) { child.exited = { code, signal }; live.delete(proc); resolve(child.exited); }
    });
  });
  return child;
}

// SIGTERM, then SIGKILL after graceMs; passes when it exits 0 with no sanitizer report.
async function stopChild(name, child, graceMs = 20_000) {
  if (!child.exited) {
    child.proc.kill('SIGTERM');
    const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
    await child.exit;
    clearTimeout(timer);
  }
  const { code, signal } = child.exited;
  const log = child.out + child.err;
  ok(`${name} shut down cleanly (exit 0, no sanitizer report)`, code === 0 && sanitizerClean(log),
    `exit ${code} signal ${signal}\n${log.slice(-3000)}`);
}

// Runs a command to completion: {code, signal, stdout, stderr}; killed after timeoutMs.
function run(cmd, args, { input, timeoutMs = 40_000 } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    live.add(proc);
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; proc.kill('SIGKILL'); }, timeoutMs);
    proc.stdout.on('data', (c) => { stdout += c; });
    proc.stderr.on('data', (c) => { stderr += c; });
    proc.stdin.on('error', () => {}); // it may exit before reading everything
    const done = (code, signal) => {
      clearTimeout(timer);
      live.delete(proc);
      if (timedOut) stderr += `\n(killed after ${timeoutMs} ms)`;
      resolve({ code, signal, stdout, stderr, timedOut });
    };
    proc.on('error', (e) => { stderr += `spawn error: ${e.message}\n`; done(-1, null); });
    proc.on('close', done);
    proc.stdin.end(input === undefined ? '' : input);
  });
}

const describe = (r) => `exit ${r.code} signal ${r.signal}\n`
  + `stdout: ${r.stdout.slice(-1500)}\nstderr: ${r.stderr.slice(-2000)}`;

// --- npm dependencies -------------------------------------------------------------
function manifest(pkg) {
  return path.join(HERE, 'node_modules', ...pkg.split('/'), 'package.json');
}

function ensureDeps() {
  if (!Object.keys(DEPS).every((pkg) => fs.existsSync(manifest(pkg)))) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: HERE, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) {
      return ok('npm ci installs the client packages', false,
        `npm ci in ${HERE} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})\n` +
        `${r.stdout || ''}${r.stderr || ''}`);
    }
  }
  let good = true;
  for (const [pkg, want] of Object.entries(DEPS)) {
    const file = manifest(pkg);
    const got = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).version : 'missing';
    good = ok(`${pkg} is ${want} (got ${got})`, got === want) && good;
  }
  return good;
}

// --- the registry server ------------------------------------------------------------
function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function httpStatus(port, urlPath) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

async function startRegistry(work) {
  const port = await freePort();
  const child = startChild(REGISTRY_BIN, ['--listen', '127.0.0.1', '--port', String(port),
    '--db', path.join(work, 'registry.db'), '--log-level', 'warn']);
  child.port = port;
  child.url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`registry exited early (${inspect(child.exited)}): ${child.err}`);
    try {
      if (await httpStatus(port, '/health/ready') === 200) return child;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  child.proc.kill('SIGKILL');
  throw new Error(`registry did not become ready within 20 s: ${child.err}`);
}

// --- the broker ---------------------------------------------------------------------
async function startBroker(work) {
  const file = path.join(work, 'bootstrap');
  const child = startChild(AVROREG, ['broker', '--bootstrap-file', file]);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exited) throw new Error(`broker exited early (${inspect(child.exited)}): ${child.err}`);
    if (fs.existsSync(file)) {
      const address = fs.readFileSync(file, 'utf8').trim();
      if (address) {
        child.address = address;
        return child;
      }
    }
    await sleep(50);
  }
  child.proc.kill('SIGKILL');
  throw new Error(`broker wrote no bootstrap file within 20 s: ${child.err}`);
}

// --- data ---------------------------------------------------------------------------
function ridesFromCsv() {
  const lines = fs.readFileSync(path.join(TAXI, 'rides.csv'), 'utf8').split('\n').slice(1);
  return lines.filter((l) => l.trim()).map((l) => {
    const [v, p, d, t, a] = l.trim().split(',');
    return {
      vendorId: Number.parseInt(v, 10), passenger_count: Number.parseInt(p, 10),
      trip_distance: Number.parseFloat(d), payment_type: Number.parseInt(t, 10),
      total_amount: Number.parseFloat(a),
    };
  });
}

// Records for `avroreg produce`, unlike any ride in rides.csv.
const EXTRA = [
  { vendorId: 1, passenger_count: 2, trip_distance: 2.5, payment_type: 1, total_amount: 12.25 },
  { vendorId: 2, passenger_count: 6, trip_distance: 18.75, payment_type: 2, total_amount: 61.4 },
  { vendorId: 7, passenger_count: 0, trip_distance: 0.1, payment_type: 3, total_amount: -2.5 },
];

// The record the kafkajs producer sends.
const KJS_RIDE = { vendorId: 2, passenger_count: 5, trip_distance: 7.3, payment_type: 2, total_amount: 31.45 };

const FIELDS = ['vendorId', 'passenger_count', 'trip_distance', 'payment_type', 'total_amount'];
const FLOAT_FIELDS = new Set(['trip_distance', 'total_amount']);

// Same fields; ints equal, floats within the tolerance.
function sameRide(got, want) {
  if (!got || typeof got !== 'object') return false;
  const keys = Object.keys(got).sort();
  if (!isDeepStrictEqual(keys, [...FIELDS].sort())) return false;
  return FIELDS.every((f) => (FLOAT_FIELDS.has(f)
    ? typeof got[f] === 'number' && Math.abs(got[f] - want[f]) <= FLOAT_TOLERANCE
    : got[f] === want[f]));
}

// Order-insensitive: keyed by vendor, rides land on different partitions, whose
// order between each other Kafka does not keep. Returns the unmatched ones.
function matchRides(got, want) {
  const left = [...got];
  const missing = [];
  for (const w of want) {
    const i = left.findIndex((g) => sameRide(g, w));
    if (i < 0) missing.push(w);
    else left.splice(i, 1);
  }
  return { missing, extra: left };
}

// --- kafkajs ------------------------------------------------------------------------
function kafkaClient(Kafka, logLevel, broker) {
  const level = (process.env.KAFKAJS_LOG_LEVEL || 'NOTHING').toUpperCase();
  return new Kafka({
    clientId: 'avroreg-kafkajs-interop',
    brokers: [broker],
    logLevel: logLevel[level] ?? logLevel.NOTHING,
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2_000 },
  });
}

// Consumes count messages from topics with a fresh group, from the beginning.
// Returns the raw messages ({topic, partition, key, value}) and any crash.
async function consumeRaw(kafka, topics, count, timeoutMs) {
  const consumer = kafka.consumer({ groupId: unique('kafkajs-interop'), sessionTimeout: 6_000 });
  const got = [];
  let crash = null;
  consumer.on(consumer.events.CRASH, (e) => { crash = e.payload && e.payload.error; });
  try {
    await within(15_000, 'consumer.connect', consumer.connect());
    await within(15_000, 'consumer.subscribe', consumer.subscribe({ topics, fromBeginning: true }));
    let enough;
    const reached = new Promise((resolve) => { enough = resolve; });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        got.push({ topic, partition, offset: message.offset, key: message.key, value: message.value });
        if (got.length >= count) enough();
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (got.length < count && Date.now() < deadline && !crash) {
      await Promise.race([reached, sleep(200)]);
    }
  } finally {
    await within(15_000, 'consumer.disconnect', consumer.disconnect()).catch(() => {});
  }
  return { got, crash };
}

// --- the checks -----------------------------------------------------------------------
async function toKafkajs(libs, registryUrl, broker) {
  const { SchemaRegistry, Kafka, logLevel } = libs;
  const registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 0 } });
  const rides = ridesFromCsv();
  const topicC = unique('rides-c');
  const topicCli = unique('rides-cli');

  // Both at once: against a broker that does not answer, each waits out its
  // flush (taxi-producer 30 s, avroreg produce 60 s) and the suite its timeout.
  const input = EXTRA.map((v) => JSON.stringify({ key: { vendorId: v.vendorId }, value: v })).join('\n') + '\n';
  const [r, p] = await Promise.all([
    run(TAXI_PRODUCER, ['--broker', broker, '--registry', registryUrl, '--topic', topicC,
      '--schemas', TAXI, path.join(TAXI, 'rides.csv')], { timeoutMs: 35_000 }),
    run(AVROREG, ['produce', '--broker', broker, '--registry', registryUrl, '--topic', topicCli,
      '--value-schema', VALUE_SCHEMA, '--key-schema', KEY_SCHEMA], { input, timeoutMs: 35_000 }),
  ]);
  const producedC = ok(`taxi-producer produced the ${rides.length} rides to ${topicC}`,
    r.code === 0 && sanitizerClean(r.stderr), describe(r));
  const producedCli = ok(`avroreg produce produced ${EXTRA.length} records to ${topicCli}`,
    p.code === 0 && sanitizerClean(p.stderr), describe(p));
  if (!producedC && !producedCli) return;

  const topics = [producedC && topicC, producedCli && topicCli].filter(Boolean);
  const want = (producedC ? rides.length : 0) + (producedCli ? EXTRA.length : 0);
  const kafka = kafkaClient(Kafka, logLevel, broker);
  let consumed;
  try {
    consumed = await consumeRaw(kafka, topics, want, 25_000);
  } catch (err) {
    ok('the kafkajs consumer ran', false, err.stack || String(err));
    return;
  }
  const { got, crash } = consumed;
  eq(`the kafkajs consumer received all ${want} messages`, got.length, want);
  if (crash) ok('the kafkajs consumer did not crash', false, crash.stack || String(crash));

  // Decode every key and value with the kafkajs registry.
  const decoded = [];
  const errors = [];
  for (const m of got) {
    try {
      decoded.push({
        topic: m.topic, key: plain(await registry.decode(m.key)), value: plain(await registry.decode(m.value)),
        rawKey: m.key, rawValue: m.value,
      });
    } catch (err) {
      errors.push(`${m.topic}/${m.partition}@${m.offset}: ${err.name}: ${err.message}`);
    }
  }
  ok('registry.decode() decoded every key and value', errors.length === 0, errors.join('\n'));

  for (const [topic, wanted, who] of [[topicC, rides, 'taxi-producer'], [topicCli, EXTRA, 'avroreg produce']]) {
    if (!topics.includes(topic)) continue;
    const mine = decoded.filter((d) => d.topic === topic);
    const { missing, extra } = matchRides(mine.map((d) => d.value), wanted);
    ok(`every ${who} record arrived and decodes to the right values (floats within ${FLOAT_TOLERANCE})`,
      missing.length === 0 && extra.length === 0 && mine.length === wanted.length,
      `${mine.length} decoded of ${wanted.length}\nmissing: ${inspect(missing)}\nunexpected: ${inspect(extra)}`);
    const badKeys = mine.filter((d) => !isDeepStrictEqual(d.key, { vendorId: d.value && d.value.vendorId }));
    ok(`${who}'s keys decode to {vendorId} of their value`, mine.length > 0 && badKeys.length === 0,
      inspect(badKeys.slice(0, 3).map((d) => [d.key, d.value])));

    // The frames name the ids the registry holds for the topic's subjects.
    try {
      const valueId = await registry.getLatestSchemaId(`${topic}-value`);
      const keyId = await registry.getLatestSchemaId(`${topic}-key`);
      const wrong = mine.filter((d) => d.rawValue[0] !== 0 || d.rawValue.readUInt32BE(1) !== valueId
        || d.rawKey[0] !== 0 || d.rawKey.readUInt32BE(1) !== keyId);
      ok(`${who}'s frames carry magic 0 and the ids of ${topic}-value (${valueId}) and -key (${keyId})`,
        mine.length > 0 && wrong.length === 0,
        inspect(wrong.slice(0, 3).map((d) => [d.rawKey.subarray(0, 5), d.rawValue.subarray(0, 5)])));
      if (who === 'avroreg produce' && mine.length > 0) {
        // The same record encoded by the kafkajs registry: byte for byte.
        const differ = [];
        for (const d of mine) {
          const want = EXTRA.find((w) => sameRide(d.value, w));
          if (!want) continue;
          const mineEnc = await registry.encode(valueId, want);
          if (!mineEnc.equals(d.rawValue)) {
            differ.push(`${d.rawValue.toString('hex')} vs ${mineEnc.toString('hex')}`);
          }
        }
        ok('avroreg produce frames each record exactly as registry.encode() does', differ.length === 0,
          differ.join('\n'));
      }
    } catch (err) {
      ok(`${who}'s subjects are in the registry`, false, err.stack || String(err));
    }
  }
}

async function fromKafkajs(libs, registryUrl, broker) {
  const { SchemaRegistry, SchemaType, Kafka, logLevel, Partitioners } = libs;
  const registry = new SchemaRegistry({ host: registryUrl, retry: { retries: 0 } });
  const topic = unique('rides-kjs');
  const schema = (file) => ({ type: SchemaType.AVRO, schema: fs.readFileSync(file, 'utf8') });

  let valueId;
  let keyId;
  let value;
  let key;
  try {
    const registered = await registry.register(schema(VALUE_SCHEMA), { subject: `${topic}-value` });
    await registry.register(schema(KEY_SCHEMA), { subject: `${topic}-key` });
    valueId = await registry.getLatestSchemaId(`${topic}-value`);
    keyId = await registry.getLatestSchemaId(`${topic}-key`);
    eq(`getLatestSchemaId(${topic}-value) is the id register() returned`, valueId, registered.id);
    value = await registry.encode(valueId, KJS_RIDE);
    key = await registry.encode(keyId, { vendorId: KJS_RIDE.vendorId });
  } catch (err) {
    ok('the kafkajs registry registered the schemas and encoded the record', false, err.stack || String(err));
    return;
  }

  const kafka = kafkaClient(Kafka, logLevel, broker);
  const producer = kafka.producer({
    allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner,
  });
  let sent = false;
  try {
    await within(15_000, 'producer.connect', producer.connect());
    const res = await within(30_000, 'producer.send',
      producer.send({ topic, acks: -1, messages: [{ key, value }] }));
    sent = ok(`the kafkajs producer delivered the record to ${topic}`,
      Array.isArray(res) && res.length === 1 && res[0].errorCode === 0, inspect(res));
  } catch (err) {
    ok(`the kafkajs producer delivered the record to ${topic}`, false, err.stack || String(err));
  } finally {
    await within(15_000, 'producer.disconnect', producer.disconnect()).catch(() => {});
  }
  if (!sent) return;

  const r = await run(AVROREG, ['consume', '--broker', broker, '--registry', registryUrl, '--topic', topic,
    '--from-beginning', '--max', '1', '--idle-timeout-ms', '30000'], { timeoutMs: 45_000 });
  const lines = r.stdout.split('\n').filter((l) => l.trim());
  const read = ok('avroreg consume read the kafkajs message',
    r.code === 0 && lines.length === 1 && sanitizerClean(r.stderr), describe(r));
  let got = null;
  try { got = lines.length ? JSON.parse(lines[0]) : null; } catch { /* reported below */ }
  const decoded = ok(
    `avroreg consume decoded the values registry.encode() wrote (floats within ${FLOAT_TOLERANCE})`,
    sameRide(got, KJS_RIDE), `got:  ${lines[0]}\nwant: ${JSON.stringify(KJS_RIDE)}`);

  if (!read || !decoded) return; // not another 30 s idle wait for the same failure
  const k = await run(AVROREG, ['consume', '--broker', broker, '--registry', registryUrl, '--topic', topic,
    '--from-beginning', '--max', '1', '--print-key', '--idle-timeout-ms', '30000'], { timeoutMs: 45_000 });
  let both = null;
  try { both = JSON.parse(k.stdout.split('\n').find((l) => l.trim())); } catch { /* reported below */ }
  ok('avroreg consume --print-key decoded the kafkajs key to {vendorId}',
    k.code === 0 && both !== null && isDeepStrictEqual(both.key, { vendorId: KJS_RIDE.vendorId })
      && sameRide(both.value, KJS_RIDE),
    describe(k));
}

async function main() {
  if (!ensureDeps()) return;
  const srMod = await import('@kafkajs/confluent-schema-registry');
  const kjsMod = await import('kafkajs');
  const kjs = kjsMod.default || kjsMod;
  const libs = {
    SchemaRegistry: srMod.SchemaRegistry, SchemaType: srMod.SchemaType,
    Kafka: kjs.Kafka, logLevel: kjs.logLevel, Partitioners: kjs.Partitioners,
  };
  const bins = [['avroreg', AVROREG], ['taxi-producer', TAXI_PRODUCER], ['avro-registry', REGISTRY_BIN]];
  for (const [name, file] of bins) {
    if (!ok(`${name} binary exists (${file})`, fs.existsSync(file),
      'build it with make (or make FLAVOR=check unit)')) return;
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-kafkajs-interop-'));
  scratch.push(work);
  let registry;
  let broker;
  try {
    try {
      registry = await startRegistry(work);
    } catch (err) {
      ok('the registry starts', false, err.stack || String(err));
      return;
    }
    try {
      broker = await startBroker(work);
    } catch (err) {
      ok('the broker starts', false, err.stack || String(err));
      return;
    }
    try {
      await toKafkajs(libs, registry.url, broker.address);
    } catch (err) {
      ok('C producer / avroreg produce -> kafkajs checks ran to the end', false, err.stack || String(err));
    }
    try {
      await fromKafkajs(libs, registry.url, broker.address);
    } catch (err) {
      ok('kafkajs -> avroreg consume checks ran to the end', false, err.stack || String(err));
    }
  } finally {
    if (broker) await stopChild('the broker', broker);
    if (registry) await stopChild(`the registry on port ${registry.port}`, registry);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

// Whatever hangs, the suite ends: a failure, and everything it started killed.
const watchdog = setTimeout(() => {
  console.log(`not ok - the suite finished within ${SUITE_DEADLINE_MS / 1000} s`);
  killAll();
  process.exit(1);
}, SUITE_DEADLINE_MS);
watchdog.unref();

await main();
clearTimeout(watchdog);
process.exitCode = failures ? 1 : 0;
