// npm's @kafkajs/confluent-schema-registry (pinned to 3.9.0 in package.json)
// against the real server. Starts its own server on a free port with a fresh
// database, prints TAP-style "ok - name" / "not ok - name" lines, and exits
// non-zero when a check fails.
//
// Run: node tests/clients/test_kafkajs_registry.mjs
// AVRO_REGISTRY_BIN picks the binary (default: bin/avro-registry). When
// tests/clients/node_modules is missing it runs `npm ci` there first.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, inspect } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const BIN = path.resolve(process.env.AVRO_REGISTRY_BIN || path.join(ROOT, 'bin', 'avro-registry'));
const PKG = '@kafkajs/confluent-schema-registry';
const PKG_VERSION = '3.9.0';

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

// Awaits fn(); passes when it rejects and check(err) holds.
async function rejects(name, fn, check) {
  let got;
  try {
    got = await fn();
  } catch (err) {
    ok(name, check(err), `rejected with ${err && err.name}: ${err && err.message}` +
      (err && err.status !== undefined ? ` (status ${err.status})` : ''));
    return err;
  }
  ok(name, false, `resolved with ${inspect(got)}`);
  return null;
}

const httpError = (status, text) => (err) =>
  err && err.status === status && typeof err.message === 'string' && err.message.includes(text);

// --- npm dependencies --------------------------------------------------------
function ensureDeps() {
  const manifest = path.join(HERE, 'node_modules', ...PKG.split('/'), 'package.json');
  if (!fs.existsSync(manifest)) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: HERE, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0 || !fs.existsSync(manifest)) {
      ok('npm install', false,
        `npm ci in ${HERE} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})\n` +
        `${r.stdout || ''}${r.stderr || ''}`);
      return false;
    }
  }
  const version = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  return ok(`${PKG} is ${PKG_VERSION} (got ${version})`, version === PKG_VERSION);
}

// --- the server --------------------------------------------------------------
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

// A raw request, for what the client does not expose.
function request(port, method, urlPath, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      host: '127.0.0.1', port, method, path: urlPath, timeout: 10_000,
      headers: data === undefined ? {} : {
        'Content-Type': 'application/vnd.schemaregistry.v1+json',
        'Content-Length': Buffer.byteLength(data),
      },
    }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { raw += c; });
      res.on('end', () => {
        let json = null;
        try { json = raw ? JSON.parse(raw) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, raw, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

// shapes: the Confluent generation the server answers in (--api-shapes).
async function startServer(shapes) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-kafkajs-'));
  const port = await freePort();
  const proc = spawn(BIN, ['--listen', '127.0.0.1', '--port', String(port),
    '--db', path.join(dir, 'registry.db'), '--log-level', 'warn', '--api-shapes', shapes],
  { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = { dir, port, proc, log: '', exited: null };
  // Never leave the server behind, however this process ends.
  process.on('exit', () => {
    if (!server.exited) proc.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });
  proc.stdout.on('data', (c) => { server.log += c; });
  proc.stderr.on('data', (c) => { server.log += c; });
  server.exit = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { server.exited = { code, signal }; resolve(server.exited); });
    proc.on('error', (err) => { server.log += `spawn error: ${err.message}\n`; server.exited = { code: -1 }; resolve(server.exited); });
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`server exited early (${inspect(server.exited)}): ${server.log}`);
    try {
      if ((await request(port, 'GET', '/health/ready')).status === 200) return server;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not become ready: ${server.log}`);
}

async function stopServer(server) {
  if (!server.exited) {
    server.proc.kill('SIGTERM');
    const timer = setTimeout(() => server.proc.kill('SIGKILL'), 30_000);
    await server.exit;
    clearTimeout(timer);
  }
  const { code, signal } = server.exited;
  ok(`server on port ${server.port} shut down cleanly (exit 0, no sanitizer report)`,
    code === 0 && !server.log.includes('Sanitizer') && !server.log.includes('runtime error'),
    `exit ${code} signal ${signal}\n${server.log.slice(-3000)}`);
  fs.rmSync(server.dir, { recursive: true, force: true });
}

// --- schemas -----------------------------------------------------------------
const V1 = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }],
};
const V2 = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' },
    { name: 'email', type: ['null', 'string'], default: null }],
};
// "id" changes from long to string: incompatible with V1/V2 under BACKWARD.
const BAD = {
  type: 'record', name: 'User', namespace: 'com.example',
  fields: [{ name: 'id', type: 'string' }, { name: 'name', type: 'string' }],
};
const ADDRESS = {
  type: 'record', name: 'Address', namespace: 'com.example',
  fields: [{ name: 'city', type: 'string' }],
};
const PERSON = {
  type: 'record', name: 'Person', namespace: 'com.example',
  fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'com.example.Address' }],
};
const CANON_V1 = '{"type":"record","name":"User","namespace":"com.example","fields":'
  + '[{"name":"id","type":"long"},{"name":"name","type":"string"}]}';
const CANON_V2 = '{"type":"record","name":"User","namespace":"com.example","fields":'
  + '[{"name":"id","type":"long"},{"name":"name","type":"string"},'
  + '{"name":"email","type":["null","string"],"default":null}]}';

const header = (id) => {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(id, 1);
  return b;
};
const plain = (v) => JSON.parse(JSON.stringify(v));

// --- the checks --------------------------------------------------------------
async function checks(lib, server) {
  const { SchemaRegistry, SchemaType, COMPATIBILITY } = lib;
  const port = server.port;
  const host = `http://127.0.0.1:${port}`;
  const fresh = () => new SchemaRegistry({ host, retry: { retries: 0 } });
  const avro = (schema) => ({ type: SchemaType.AVRO, schema: JSON.stringify(schema, null, 1) });
  const registry = fresh();

  eq('register(v1, {subject: users-value}) -> {id: 1}',
    await registry.register(avro(V1), { subject: 'users-value' }), { id: 1 });
  let r = await request(port, 'GET', '/subjects/users-value/versions/1');
  eq('server stored the canonical v1 text', [r.status, r.json && r.json.schema], [200, CANON_V1]);
  r = await request(port, 'GET', '/config/users-value');
  eq('first register set the subject level to BACKWARD (PUT /config/users-value)',
    [r.status, r.json], [200, { compatibilityLevel: 'BACKWARD' }]);
  eq('register(v1) again, uncached client -> {id: 1}',
    await fresh().register(avro(V1), { subject: 'users-value' }), { id: 1 });
  eq('register(raw v1 object) without subject -> {id: 1} under com.example.User',
    await registry.register(V1), { id: 1 });
  r = await request(port, 'GET', '/subjects');
  eq('GET /subjects -> [com.example.User, users-value]', r.json, ['com.example.User', 'users-value']);

  eq('getLatestSchemaId(users-value) -> 1', await fresh().getLatestSchemaId('users-value'), 1);
  eq('register(v2, {subject: users-value}) -> {id: 2}',
    await registry.register(avro(V2), { subject: 'users-value' }), { id: 2 });
  eq('getLatestSchemaId(users-value) -> 2', await fresh().getLatestSchemaId('users-value'), 2);
  eq('getRegistryId(users-value, 1) -> 1', await fresh().getRegistryId('users-value', 1), 1);
  eq('getRegistryId(users-value, 2) -> 2', await fresh().getRegistryId('users-value', 2), 2);
  eq("getRegistryId(users-value, 'latest') -> 2", await fresh().getRegistryId('users-value', 'latest'), 2);
  eq('getRegistryIdBySchema(users-value, v1) -> 1',
    await fresh().getRegistryIdBySchema('users-value', avro(V1)), 1);
  eq('getRegistryIdBySchema(users-value, raw v2 object) -> 2',
    await fresh().getRegistryIdBySchema('users-value', V2), 2);

  const s1 = await fresh().getSchema(1);
  eq('getSchema(1) -> avsc type com.example.User with fields [id, name]',
    [s1.name, s1.fields.map((f) => [f.name, f.type.typeName])],
    ['com.example.User', [['id', 'long'], ['name', 'string']]]);
  r = await request(port, 'GET', '/schemas/ids/2');
  eq('GET /schemas/ids/2 -> canonical v2 text', [r.status, r.json], [200, { schema: CANON_V2 }]);

  const rec = { id: 42, name: 'ada' };
  const buf = await fresh().encode(1, rec);
  eq('encode(1, record) -> magic 0, id 1, Avro body',
    buf, Buffer.concat([header(1), Buffer.from([0x54, 0x06]), Buffer.from('ada')]));
  eq('decode(buffer) with the writer schema from the registry -> the record',
    plain(await fresh().decode(buf)), rec);
  eq('decode(buffer, readerSchema v2) -> the record plus the default',
    plain(await fresh().decode(buf, { [SchemaType.AVRO]: { readerSchema: V2 } })),
    { ...rec, email: null });
  const buf2 = await fresh().encode(2, { id: 7, name: 'bo', email: 'b@x' });
  eq('encode(2, record) -> id 2 in the header', buf2.subarray(0, 5), header(2));
  eq('decode of the id-2 message', plain(await fresh().decode(buf2)), { id: 7, name: 'bo', email: 'b@x' });
  await rejects('encode(1, invalid payload) -> ConfluentSchemaRegistryValidationError at path id',
    () => registry.encode(1, { id: 'x', name: 'ada' }),
    (e) => e.name === 'ConfluentSchemaRegistryValidationError' && isDeepStrictEqual(e.paths, [['id']]));

  await rejects('register(incompatible schema) -> 409 "incompatible with an earlier schema"',
    () => fresh().register(avro(BAD), { subject: 'users-value' }),
    httpError(409, 'Schema being registered is incompatible with an earlier schema for subject "users-value"'));
  eq('getLatestSchemaId(users-value) still 2 after the rejected register',
    await fresh().getLatestSchemaId('users-value'), 2);
  await rejects('register with compatibility FULL on a BACKWARD subject -> ConfluentSchemaRegistryCompatibilityError',
    () => fresh().register(avro(V1), { subject: 'users-value', compatibility: COMPATIBILITY.FULL }),
    (e) => e.name === 'ConfluentSchemaRegistryCompatibilityError'
      && e.message === 'Compatibility does not match the configuration (FULL != BACKWARD)');

  eq('register(incompatible schema, {subject: loose-value, compatibility: NONE}) -> {id: 3}',
    await fresh().register(avro(BAD), { subject: 'loose-value', compatibility: COMPATIBILITY.NONE }),
    { id: 3 });
  r = await request(port, 'GET', '/config/loose-value');
  eq('GET /config/loose-value -> NONE', r.json, { compatibilityLevel: 'NONE' });
  eq('register(v1, {subject: loose-value, compatibility: NONE}) -> {id: 1}',
    await fresh().register(avro(V1), { subject: 'loose-value', compatibility: COMPATIBILITY.NONE }),
    { id: 1 });
  eq('getRegistryId(loose-value, 2) -> 1', await fresh().getRegistryId('loose-value', 2), 1);

  await rejects("getLatestSchemaId(ghost) -> 404 \"Subject 'ghost' not found.\"",
    () => fresh().getLatestSchemaId('ghost'), httpError(404, "Subject 'ghost' not found."));
  await rejects('getRegistryId(users-value, 9) -> 404 "Version 9 not found."',
    () => fresh().getRegistryId('users-value', 9), httpError(404, 'Version 9 not found.'));
  await rejects('getRegistryIdBySchema(users-value, unregistered) -> ConfluentSchemaRegistryError "Schema not found"',
    () => fresh().getRegistryIdBySchema('users-value', avro(ADDRESS)),
    (e) => e.name === 'ConfluentSchemaRegistryError' && e.message.includes('Schema not found'));
  await rejects('getSchema(999) -> 404 "Schema 999 not found"',
    () => fresh().getSchema(999), httpError(404, 'Schema 999 not found'));
  await rejects('decode of a message naming unknown id 999 -> 404',
    () => fresh().decode(Buffer.concat([header(999), Buffer.from([0x54, 0x06]), Buffer.from('ada')])),
    httpError(404, 'Schema 999 not found'));

  // Schema references: the client resolves them through GET /subjects/{s}/versions/{v}.
  eq('register(Address, {subject: address}) -> {id: 4}',
    await fresh().register(avro(ADDRESS), { subject: 'address' }), { id: 4 });
  const personRef = {
    ...avro(PERSON),
    references: [{ name: 'com.example.Address', subject: 'address', version: 1 }],
  };
  eq('register(Person with a reference to address v1) -> {id: 5}',
    await fresh().register(personRef, { subject: 'person' }), { id: 5 });
  r = await request(port, 'GET', '/schemas/ids/5');
  eq('GET /schemas/ids/5 carries the reference',
    r.json && r.json.references, [{ name: 'com.example.Address', subject: 'address', version: 1 }]);
  const person = { name: 'ada', home: { city: 'London' } };
  const pbuf = await fresh().encode(5, person);
  eq('encode(5, person) with the referenced type resolved -> id 5, Avro body',
    pbuf, Buffer.concat([header(5), Buffer.from([0x06]), Buffer.from('ada'),
      Buffer.from([0x0c]), Buffer.from('London')]));
  eq('decode of the person message', plain(await fresh().decode(pbuf)), person);

  // mappersmith encodes path parameters with encodeURIComponent.
  const odd = 'kjs topic+ü-value';
  eq(`register(v1, {subject: '${odd}'}) -> {id: 1}`,
    await fresh().register(avro(V1), { subject: odd }), { id: 1 });
  eq(`getLatestSchemaId('${odd}') -> 1`, await fresh().getLatestSchemaId(odd), 1);
  eq(`getRegistryIdBySchema('${odd}', v1) -> 1`, await fresh().getRegistryIdBySchema(odd, avro(V1)), 1);
  r = await request(port, 'GET', '/subjects');
  ok(`GET /subjects lists '${odd}' decoded`, Array.isArray(r.json) && r.json.includes(odd), r.raw);

  const authed = new SchemaRegistry({ host, auth: { username: 'alice', password: 'secret' } });
  eq('client with basic auth: getLatestSchemaId(users-value) -> 2',
    await authed.getLatestSchemaId('users-value'), 2);
}

// Against the server's default Confluent 8.x shapes, kafkajs's register()
// resolves to the whole RegisterSchemaResponse, as it does against
// Confluent 8: the id it uses is there, and encoding round-trips.
async function checks8(lib, server) {
  const { SchemaRegistry, SchemaType } = lib;
  const registry = new SchemaRegistry({ host: `http://127.0.0.1:${server.port}`, retry: { retries: 0 } });
  const avro = (schema) => ({ type: SchemaType.AVRO, schema: JSON.stringify(schema) });
  const r = await registry.register(avro(V1), { subject: 'users-value' });
  eq('8.x shapes: register() -> the full answer, id 1 and version 1',
    [r.id, r.version, r.schemaType, typeof r.guid], [1, 1, 'AVRO', 'string']);
  const again = await registry.register(avro(V1), { subject: 'users-value' });
  eq('8.x shapes: registering again -> the same id', again.id, 1);
  const payload = { id: 7, name: 'ada' };
  const bytes = await registry.encode(r.id, payload);
  eq('8.x shapes: encode, then decode -> the payload', { ...(await registry.decode(bytes)) }, payload);
  eq('8.x shapes: getLatestSchemaId', await registry.getLatestSchemaId('users-value'), 1);
}

// Each run: one server in the given shapes, the checks, the server stopped.
async function run(shapes, fn, lib) {
  let server;
  try {
    server = await startServer(shapes);
  } catch (err) {
    ok(`server starts (--api-shapes ${shapes})`, false, err.stack || String(err));
    return;
  }
  try {
    await fn(lib, server);
  } catch (err) {
    ok(`kafkajs checks ran to the end (--api-shapes ${shapes})`, false, err.stack || String(err));
  } finally {
    await stopServer(server);
  }
}

async function main() {
  if (!ensureDeps()) return;
  const lib = await import(PKG);
  await run('7', checks, lib); // Confluent 7.0's shapes: the answers kafkajs was written against
  await run('8', checks8, lib);
}

await main();
process.exitCode = failures ? 1 : 0;
