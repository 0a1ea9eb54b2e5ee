// firstpage.mjs URL — bytes on the wire and requests of the first page ("/",
// signed out, cold cache) as a browser that accepts gzip fetches it: the HTML,
// then every stylesheet, script, module preload and icon its tags name
// (status line, headers and body as sent). Prints
// "first_page_bytes N" and "first_page_requests N". tests/browser/weight.test.mjs
// records the same from Chromium's own network events.
import { request } from 'node:http';

const base = process.argv[2];
function get(path) {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } }, (res) => {
      let body = 0;
      const parts = [];
      res.on('data', (d) => { body += d.length; parts.push(d); });
      res.on('end', () => {
        let head = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n`.length + 2;
        for (let i = 0; i < res.rawHeaders.length; i += 2) head += res.rawHeaders[i].length + res.rawHeaders[i + 1].length + 4;
        resolve({ status: res.statusCode, bytes: head + body, text: Buffer.concat(parts).toString('latin1') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const page = await get('/');
if (page.status !== 200) throw new Error(`/ answered ${page.status}`);
const hrefs = new Set();
for (const m of page.text.matchAll(/<link rel="(?:modulepreload|stylesheet|icon)" href="([^"]+)"/g)) hrefs.add(m[1]);
for (const m of page.text.matchAll(/<script type="module" src="([^"]+)"/g)) hrefs.add(m[1]);
let bytes = page.bytes;
for (const h of hrefs) {
  const r = await get(h);
  if (r.status !== 200) throw new Error(`${h} answered ${r.status}`);
  bytes += r.bytes;
}
console.log(`first_page_bytes ${bytes}`);
console.log(`first_page_requests ${1 + hrefs.size}`);
