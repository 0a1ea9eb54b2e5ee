// startup.mjs DYAD DB_URL SECRET_FILE — time from starting `dyad serve` on the
// database to its first answered request (GET /healthz answering 200), asked
// for again and again from the moment of the spawn. Stops the server (SIGTERM)
// and prints "start_to_first_request_ms X".
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { request as httpRequest } from 'node:http';

const [bin, db, secret] = process.argv.slice(2);
const port = await new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

function healthz() {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

const t0 = process.hrtime.bigint();
const child = spawn(bin, ['serve', '--listen', `127.0.0.1:${port}`, '--db', db, '--log-requests', 'no'], {
  env: { ...process.env, DYAD_SECRET_FILE: secret },
  stdio: ['ignore', 'ignore', 'ignore'],
});
let exited = false;
child.on('exit', () => { exited = true; });
let ok = false;
while (!ok && !exited && process.hrtime.bigint() - t0 < 60_000_000_000n) ok = await healthz();
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
child.kill('SIGTERM');
if (!ok) { console.error('startup.mjs: the server never answered'); process.exit(1); }
console.log(`start_to_first_request_ms ${ms.toFixed(1)}`);
