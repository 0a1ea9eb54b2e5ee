#!/usr/bin/env node
// screenshots.mjs — the pictures in README.md and docs/, made from the real
// binary. Run by hand after `make`:
//
//   node scripts/screenshots.mjs            (uses build/dyad)
//   DYAD_BIN=build/asan/dyad node scripts/screenshots.mjs
//
// It starts dyad on an ephemeral port with a fresh database in a temporary
// directory (tests/lib/server.mjs), makes a couple, Maya and Jon, through the
// API with keys derived from real passwords exactly as the browser derives
// them (tests/lib/journey.mjs), writes a generated month of check-ins
// straight into the database with the sqlite3 command-line tool (as
// tests/api/insights.test.mjs does), adds a few encrypted shares and a
// linked therapist, then signs each person in through the sign-in form in
// Debian's Chromium (tests/lib/browser.mjs) and writes PNGs to docs/images/.
//
// Every name, number and sentence in the pictures is made up here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// tests/lib/server.mjs reads DYAD_BIN when it is loaded: set it first.
process.env.DYAD_BIN = resolve(process.env.DYAD_BIN || join(ROOT, 'build', 'dyad'));
const OUT = join(ROOT, 'docs', 'images');
const WIDTH = 1000;
// Element shots of pages taller than the window come out with the sticky
// quick-exit bar painted across them; a window taller than any page avoids it.
const TALL = 3600;

const { startServer } = await import('../tests/lib/server.mjs');
const { launchBrowser, watchPage, allowExpected401 } = await import('../tests/lib/browser.mjs');
const { createPerson, pairByApi, signInAt, c } = await import('../tests/lib/journey.mjs');
const { therapistLink } = await import('../tests/lib/therapist.mjs');
const { Client } = await import('../tests/lib/api.mjs');

function must(r, what, status = [200, 201, 204]) {
    if (!status.includes(r.status)) throw new Error(`${what}: ${r.status} ${r.text}`);
    return r;
}

function pad2(n) {
    return String(n).padStart(2, '0');
}
// The browser runs on this machine, so its calendar day is this one.
function localDate(d = new Date()) {
    return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

// Bits of show_mask (enum insights_item): what each person lets the other see.
const SHOW = { closeness: 1, closeness_wanted: 2, opened_up: 4, understood: 8, safety: 16, affection: 32, sexual: 64, emotions: 128, wordless: 256 };
const EMOTION = { joy: 1, fear: 2, frustration: 4, sorrow: 8, anger: 16, hope: 32, gratitude: 64, embarrassment: 128 };

// A deterministic month: Maya's closeness warms up slowly and she wants more
// than she feels; Jon is steadier. Sexual connection is kept apart and
// follows neither closely.
function month(days) {
    const rows = { maya: [], jon: [] };
    for (let i = 0; i < days; i++) {
        const wobble = [0, 1, -1, 0, 1, 0, -1][i % 7];
        rows.maya.push({
            closeness: Math.min(10, 4 + Math.floor(i / 6) + wobble),
            closeness_wanted: 8,
            opened_up: 3 + (i % 4),
            understood: i % 5 === 0 ? null : 5 + (i % 3),
            safety: 6 + (i % 2),
            affection: 5 + ((i * 3) % 4),
            sexual: i % 4 === 1 ? 6 : i % 4 === 3 ? null : 0,
            emotions: (i % 3 === 0 ? EMOTION.joy : 0) | (i % 5 === 2 ? EMOTION.fear : 0) | (i % 7 === 4 ? EMOTION.gratitude : 0),
            wordless: i % 3 === 1 ? 1 : 0,
        });
        rows.jon.push({
            closeness: Math.min(10, 6 + wobble + (i > 14 ? 1 : 0)),
            closeness_wanted: 7,
            opened_up: 4 + (i % 3),
            understood: 6 + (i % 2),
            safety: 7,
            affection: 6 + (i % 3),
            sexual: i % 4 === 1 ? 7 : 0,
            emotions: (i % 2 === 0 ? EMOTION.joy : 0) | (i % 6 === 3 ? EMOTION.frustration : 0),
            wordless: i % 4 === 1 ? 1 : 0,
        });
    }
    return rows;
}

function insertMonth(dbPath, dyadId, userId, rows, firstDay, showMask) {
    const v = (x) => (x === null || x === undefined ? 'NULL' : x);
    const values = rows.map((r, i) => `('${dyadId}','${userId}',${firstDay + i},${v(r.closeness)},${v(r.closeness_wanted)},` +
        `${v(r.opened_up)},${v(r.understood)},${v(r.safety)},${v(r.affection)},${v(r.sexual)},${r.emotions},${r.wordless},NULL,${showMask},${(firstDay + i) * 86400 + 72000})`);
    execFileSync('sqlite3', [dbPath], {
        input: 'INSERT INTO checkins (dyad_id,user_id,day,closeness,closeness_wanted,opened_up,understood,safety,affection,sexual,' +
            `emotions,wordless,note,show_mask,updated_at) VALUES ${values.join(',')};`,
    });
}

// Backdates a share (and its responses) by `days`, so the thread and the
// insights look like a month rather than a minute.
function backdate(dbPath, shareId, days) {
    const s = days * 86400;
    execFileSync('sqlite3', [dbPath], {
        input: `UPDATE responses SET created_at = created_at - ${s} + 3600 WHERE share_id = '${shareId}';` +
            `UPDATE shares SET created_at = created_at - ${s} WHERE id = '${shareId}';`,
    });
}

async function share(person, K, dyadId, { topic, depth, text, promptId = null }) {
    const id = c.newEntryId();
    const body = c.encryptEntry(K, { dyadId, entryId: id, authorId: person.userId, kind: 'share' }, text);
    const payload = { id, topic, depth, body, reveal: 'now' };
    if (promptId) payload.prompt_id = promptId;
    must(await person.api.post(`/api/v1/dyads/${dyadId}/shares`, payload), 'share');
    return id;
}

async function respond(person, K, dyadId, shareId, kind, text) {
    const id = c.newEntryId();
    const body = text ? c.encryptEntry(K, { dyadId, entryId: id, authorId: person.userId, kind: 'response' }, text) : null;
    must(await person.api.post(`/api/v1/dyads/${dyadId}/shares/${shareId}/responses`, { id, kind, body }), 'response');
}

// A therapist account as `dyad therapist add` and the setup page make it,
// with keys derived from a real password so the sign-in form works.
async function makeTherapist(srv, name) {
    const email = `${name.toLowerCase().replace(/[^a-z]+/g, '.')}@practice.example`;
    const password = 'a steady and patient listener';
    const { token } = therapistLink(srv, email);
    const keys = c.generateUserKeys();
    const salt = (await import('libsodium-wrappers-sumo')).default.randombytes_buf(16);
    const master = c.deriveMaster(password, salt, c.KDF_OPS, c.KDF_MEM);
    const { authKey, wrapKey } = c.deriveAuthWrap(master);
    const rkey = c.recoveryKey(c.newRecoveryCode());
    const api = new Client(srv.url);
    const setup = must(await api.post('/api/v1/therapist/setup', {
        token,
        display_name: name,
        kdf_salt: c.b64(salt),
        auth_key: c.b64(authKey),
        box_public_key: c.b64(keys.boxPk),
        sign_public_key: c.b64(keys.signPk),
        wrapped_keys: c.wrapKeys(keys, wrapKey),
        recovery_wrapped_keys: c.wrapKeys(keys, rkey),
    }), 'therapist setup');
    c.wipe(master, authKey, wrapKey, rkey);
    return { email, password, name, code: setup.json.therapist_code };
}

async function shoot(target, file) {
    const path = join(OUT, file);
    await target.screenshot({ path, animations: 'disabled' });
    const kb = Math.round(statSync(path).size / 1024);
    console.log(`wrote docs/images/${file} (${kb} KB)${kb > 300 ? ' — over 300 KB, consider clipping' : ''}`);
}

async function main() {
    mkdirSync(OUT, { recursive: true });
    const srv = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '100' } });
    const browser = await launchBrowser();
    const problems = [];
    try {
        const maya = await createPerson(srv.url, { name: 'Maya', password: 'morning light over the harbour' });
        const jon = await createPerson(srv.url, { name: 'Jon', password: 'a kettle on a cold evening' });
        const { dyadId, K } = await pairByApi(maya, jon, 'couple');
        for (const p of [maya, jon]) must(await p.api.put(`/api/v1/dyads/${dyadId}/settings`, { track_sexual: true }), 'settings');

        // 27 days before today, generated; today is Maya's own, through the API.
        const today = Math.floor(Date.now() / 86400000);
        const days = 27;
        const rows = month(days);
        insertMonth(srv.dbPath, dyadId, maya.userId, rows.maya, today - days, SHOW.closeness | SHOW.closeness_wanted | SHOW.affection | SHOW.emotions);
        insertMonth(srv.dbPath, dyadId, jon.userId, rows.jon, today - days, 0x1ff);
        const date = localDate();
        must(await maya.api.put(`/api/v1/dyads/${dyadId}/checkins/${date}`, {
            closeness: 7, closeness_wanted: 8, opened_up: 6, understood: 7, safety: 8, affection: 6, sexual: null,
            emotions: ['joy', 'hope'], wordless: true,
            note: c.encryptEntry(maya.keys.personal, { dyadId, entryId: date, authorId: maya.userId, kind: 'note' },
                'Walked home the long way together. I did not mention work.'),
            show_partner: ['closeness', 'closeness_wanted', 'affection', 'emotions'],
        }), 'check-in');

        // A few shares over the month, most of them answered.
        const s1 = await share(jon, K, dyadId, { topic: 'everyday', depth: 1, text: 'The bakery on the corner had the rye bread again. Saved you half.' });
        await respond(maya, K, dyadId, s1, 'with_you', 'Best news all week.');
        backdate(srv.dbPath, s1, 20);
        const s2 = await share(maya, K, dyadId, { topic: 'fear', depth: 2, text: 'I get scared that when I am quiet you read it as distance. Mostly I am just tired.' });
        await respond(jon, K, dyadId, s2, 'makes_sense', 'It does. I will ask instead of guessing.');
        backdate(srv.dbPath, s2, 12);
        const s3 = await share(jon, K, dyadId, { topic: 'gratitude', depth: 2, text: 'Thank you for sitting with me on the phone to the bank. I hate those calls.' });
        await respond(maya, K, dyadId, s3, 'understood', null);
        backdate(srv.dbPath, s3, 5);
        await share(maya, K, dyadId, { topic: 'hope', depth: 3, text: 'One day I would like us to spend a whole summer somewhere by the sea, no plans.' });

        // A therapist both of them linked.
        const ther = await makeTherapist(srv, 'Dr. Ruth Adler');
        for (const p of [maya, jon]) must(await p.api.post(`/api/v1/dyads/${dyadId}/therapist`, { therapist_code: ther.code }), 'link');
        must(await maya.api.put(`/api/v1/dyads/${dyadId}/settings`, { therapist_sees_sexual: true }), 'therapist sexual');

        // 1. /safety: no login.
        {
            const ctx = await browser.newContext({ viewport: { width: WIDTH, height: 900 } });
            const page = await ctx.newPage();
            problems.push(watchPage(page, 'safety').problems);
            await page.goto(`${srv.url}/safety`);
            await page.getByRole('heading', { name: 'Help and safety' }).waitFor();
            await shoot(page, 'safety.png');
            await ctx.close();
        }

        // 2. /dyads/{id}/insights: rendered by the server; the cookie alone is enough.
        {
            const ctx = await browser.newContext({ viewport: { width: WIDTH, height: TALL } });
            const [name, value] = maya.api.cookie.split('=');
            await ctx.addCookies([{ name, value, url: srv.url }]);
            const page = await ctx.newPage();
            problems.push(watchPage(page, 'insights').problems);
            await page.goto(`${srv.url}/dyads/${dyadId}/insights`);
            await page.locator('figure.chart svg').first().waitFor();
            await shoot(page.locator('main'), 'insights.png');
            await ctx.close();
        }

        // 3. /therapist/dyads/{id}: the therapist's view, numbers only (before
        // Maya's settings, so her audit list shows the therapist's reads).
        {
            const tctx = await browser.newContext({ viewport: { width: WIDTH, height: TALL } });
            const tpage = await tctx.newPage();
            problems.push(watchPage(tpage, 'therapist', { allow: allowExpected401 }).problems);
            await signInAt(tpage, srv.url, ther, `/therapist/dyads/${dyadId}`, 'main h1');
            await tpage.getByText('Last activity').first().waitFor({ timeout: 30000 });
            // the homework form is described in words in therapists.md; leave it
            // out of the picture to keep the file small
            await tpage.evaluate(() => { for (const el of document.querySelectorAll('section.homework')) el.hidden = true; });
            await shoot(tpage.locator('main'), 'therapist-dyad.png');
            await tctx.close();
        }
        // 4. /dyads/{id}: the browser needs the keys in the tab, so sign in on the form.
        const ctx = await browser.newContext({ viewport: { width: WIDTH, height: TALL } });
        const page = await ctx.newPage();
        problems.push(watchPage(page, 'maya', { allow: allowExpected401 }).problems);
        await signInAt(page, srv.url, maya, `/dyads/${dyadId}`, '#key-check');
        await page.getByText('Showing what you saved').first().waitFor({ timeout: 15000 }).catch(() => {});
        await shoot(page.locator('#checkin'), 'checkin.png');
        await shoot(page.locator('#from-partner'), 'from-partner.png');

        // 5. /dyads/{id}/shares: decrypted in this tab.
        await page.goto(`${srv.url}/dyads/${dyadId}/shares`);
        await page.getByText('One day I would like us').waitFor({ timeout: 30000 });
        await page.waitForFunction(() => !/Loading/.test((document.querySelector('.thread .status') || { textContent: '' }).textContent));
        await shoot(page.locator('main'), 'shares.png');

        // 6. /settings: the therapist link with its audit list, and one's sessions.
        await page.goto(`${srv.url}/settings`);
        await page.locator('.dyad-settings, [id^="dyad-"]').first().waitFor({ timeout: 30000 }).catch(() => {});
        await page.getByText('Active since').first().waitFor({ timeout: 30000 }).catch(() => {});
        await shoot(page.locator('.therapist-link').first(), 'therapist-link.png');
        await page.locator('#sessions').waitFor({ timeout: 15000 });
        await shoot(page.locator('#sessions'), 'sessions.png');
        await ctx.close();

    } finally {
        await browser.close();
        await srv.stop();
    }
    const all = problems.flat();
    if (all.length) {
        console.error(`pages reported problems:\n  ${all.join('\n  ')}`);
        process.exitCode = 1;
    }
}

await main();
