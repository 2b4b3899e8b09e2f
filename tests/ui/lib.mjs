// lib.mjs - what the UI suite (test_ui.mjs) and the UI benchmark
// (bench/ui/bench_ui.mjs) share: the npm packages (installed with `npm ci`
// from the committed lock file), the registry server, plain HTTP to it, and
// Debian's chromium driven by playwright-core. Nothing here downloads a
// browser: playwright-core is given /usr/bin/chromium.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const MEDIA = 'application/vnd.schemaregistry.v1+json';

// `npm ci` in tests/ui when its node_modules is missing; then the modules.
// Returns {chromium, axeSource} or throws with npm's output.
export async function loadDeps() {
  const marker = path.join(HERE, 'node_modules', 'playwright-core', 'package.json');
  const axeFile = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
  if (!fs.existsSync(marker) || !fs.existsSync(axeFile)) {
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'],
      { cwd: HERE, encoding: 'utf8', timeout: 300_000, env: { ...process.env, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' } });
    if (r.status !== 0 || !fs.existsSync(marker)) {
      throw new Error(`npm ci in ${HERE} failed (status ${r.status}${r.error ? `, ${r.error.message}` : ''})\n${r.stdout || ''}${r.stderr || ''}`);
    }
  }
  const pw = await import(path.join(HERE, 'node_modules', 'playwright-core', 'index.mjs'));
  return { chromium: pw.chromium, axeSource: fs.readFileSync(axeFile, 'utf8') };
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

// One request; resolves {status, headers, raw, json}. target is a port, or
// {port, ca, auth}: HTTPS verified against the CA certificate (PEM text)
// ca, with Basic credentials auth = [user, password].
export function request(target, method, urlPath, body, headers = {}) {
  const t = typeof target === 'number' ? { port: target } : target;
  const hdrs = { ...headers };
  if (t.auth) hdrs.Authorization = `Basic ${Buffer.from(`${t.auth[0]}:${t.auth[1]}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
    const mod = t.ca ? https : http;
    const req = mod.request({
      host: '127.0.0.1', port: t.port, method, path: urlPath, timeout: 30_000,
      // the certificate is for 127.0.0.1, whatever Host the request names
      ...(t.ca ? { ca: t.ca, checkServerIdentity: (h, cert) => tls.checkServerIdentity('127.0.0.1', cert) } : { agent }),
      headers: data === undefined ? hdrs : { 'Content-Type': MEDIA, 'Content-Length': Buffer.byteLength(data), ...hdrs },
    }, (res) => {
      let raw = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { raw += c; });
      res.on('end', () => {
        let json = null;
        try { json = raw ? JSON.parse(raw) : null; } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, raw, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${urlPath} timed out`)));
    req.on('error', reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

// The registry on a free loopback port with a database in a fresh
// directory (or dbPath). Killed when this process exits, whatever happens.
// With ca (the PEM text of the CA that signed its --tls-cert), it is
// reached over HTTPS.
export async function startServer(bin, { dbPath, args = [], env = {}, ca = null } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-ui-'));
  const port = await freePort();
  const proc = spawn(bin, ['--listen', '127.0.0.1', '--port', String(port),
    '--db', dbPath || path.join(dir, 'registry.db'), '--log-level', 'warn', ...args],
  { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const server = { dir, port, proc, log: '', exited: null, url: `${ca ? 'https' : 'http'}://127.0.0.1:${port}`, target: ca ? { port, ca } : port };
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
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`server exited early (${JSON.stringify(server.exited)}): ${server.log}`);
    try {
      if ((await request(server.target, 'GET', '/health/ready')).status === 200) return server;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  proc.kill('SIGKILL');
  throw new Error(`server did not become ready: ${server.log}`);
}

// SIGTERM, wait; resolves {code, signal, clean} (clean: exit 0 and no sanitizer report).
export async function stopServer(server) {
  if (!server.exited) {
    server.proc.kill('SIGTERM');
    const timer = setTimeout(() => server.proc.kill('SIGKILL'), 30_000);
    await server.exit;
    clearTimeout(timer);
  }
  const { code, signal } = server.exited;
  fs.rmSync(server.dir, { recursive: true, force: true });
  return { code, signal, clean: code === 0 && !server.log.includes('Sanitizer') && !server.log.includes('runtime error') };
}

// Chromium with a fresh profile: the flags a CI machine wants (no sandbox
// for root, no GPU, no background traffic to anywhere).
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// contextOptions: more of playwright's context options (httpCredentials:
// what a person types into the browser's login prompt; ignoreHTTPSErrors
// for a registry whose certificate comes from a test CA chromium does not
// know).
export async function launch(chromium, { viewport = { width: 1280, height: 900 }, colorScheme = 'light', contextOptions = {} } = {}) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'avroreg-chromium-'));
  // launchPersistentContext passes --user-data-dir=<profile>: a fresh one each run
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport, colorScheme,
    timeout: 60_000, ...contextOptions,
  });
  const close = async () => {
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  process.on('exit', () => fs.rmSync(profile, { recursive: true, force: true }));
  return { context, close };
}

// One chromium (playwright's own fresh temporary profile) for several
// contexts, each with its own cookies, cache and credentials: cheaper than
// a browser per context. Close it with browser.close().
export function launchBrowser(chromium) {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 60_000 });
}
