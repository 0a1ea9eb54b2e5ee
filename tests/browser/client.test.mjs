// `dyad client` and the browser, byte for byte: Bea uses only Chromium, Cal
// uses only the native client, through one real server.
//
//   - Bea signs up and creates a couple dyad in the browser; Cal registers
//     and joins her link with the client, which checks her key proof against
//     the secret after '#'; Bea's page checks Cal's proof and seals K for
//     him; both show the same safety code.
//   - Cal creates a friends dyad with the client; Bea joins it in the
//     browser; the client seals K for her; her page opens it (a wrap the
//     client signed) and shows the same safety code.
//   - Each reads what the other wrote: shares, responses with words, and a
//     prompt answered in mutual reveal (withheld from each until answered);
//     check-in items each chose to show.
//   - Notes are for their author alone, so Bea's own notes cross over under
//     her own login: the client (logged in as Bea) opens a note her browser
//     wrote, and her browser opens a note the client wrote for her.
//   - The insights page and `dyad client insights` show the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, watchPage, allowExpected401 } from '../lib/browser.mjs';
import { clientPerson, runClient } from '../lib/client.mjs';

const BEA_PASSWORD = 'tea at four, every day';

async function signUp(page, { email, name, password }) {
    await page.getByRole('heading', { name: 'Create an account' }).waitFor();
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Your name').fill(name);
    await page.getByLabel('Password', { exact: true }).fill(password);
    await page.getByLabel('Password again').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    const codeEl = page.locator('#recovery-code');
    await codeEl.waitFor();
    const groups = (await codeEl.textContent()).trim().split(/\s+/);
    await page.getByLabel(/type the last group/).fill(groups[12]);
    await page.getByRole('button', { name: 'Create my account' }).click();
}

async function text(page, selector) {
    const el = page.locator(selector);
    await el.waitFor({ timeout: 30000 });
    return (await el.textContent()).trim();
}

test('a member on the client and a member in the browser pair and read each other', async (t) => {
    const server = await startServer();
    const browser = await launchBrowser();
    const work = mkdtempSync(join(tmpdir(), 'dyad-client-browser-'));
    t.after(async () => {
        await browser.close();
        await server.stop();
        rmSync(work, { recursive: true, force: true });
    });
    const url = server.url;
    const cal = clientPerson(work, 'Cal', 'the lighthouse keeps time');
    const cli = async (args, opts = {}) => {
        const r = await runClient(cal, url, args, { passwords: [cal.password], ...opts });
        assert.equal(r.status, 0, `dyad client ${args.join(' ')} → ${r.status}\n${r.stdout}\n${r.stderr}`);
        return r;
    };
    const ctx = await browser.newContext();
    const bea = await ctx.newPage();
    const watch = watchPage(bea, 'Bea', { allow: allowExpected401 });
    const beaEmail = `bea-${Date.now()}@example.org`;
    let coupleId;
    let friendsId;
    let calId;

    await t.test('Bea invites in the browser; Cal joins with the client', async () => {
        await bea.goto(`${url}/`);
        await signUp(bea, { email: beaEmail, name: 'Bea', password: BEA_PASSWORD });
        await bea.getByRole('heading', { name: 'Hello, Bea' }).waitFor();
        await bea.getByLabel('My partner (a couple)').check();
        await bea.locator('#create-dyad').click();
        const link = await bea.locator('input.invite-link').inputValue();
        coupleId = await bea.locator('.dyad-item').first().getAttribute('data-dyad-id');

        const reg = await cli(['--json', 'register', '--email', cal.email, '--name', 'Cal']);
        calId = reg.json.user.id;
        const joined = await cli(['--json', 'join', link]);
        assert.equal(joined.json.partner_verified, true, 'Bea\'s key proof checks out against the link');
        assert.equal(joined.json.dyad.id, coupleId);

        // Bea's page checks Cal's proof and seals K for him.
        await bea.reload();
        await bea.locator('.dyad-item .state.paired').waitFor({ timeout: 30000 });
        await bea.locator('.dyad-item h3 a').first().click();
        const codeBrowser = await text(bea, '#safety-code');
        const code = await cli(['--json', '--dyad', coupleId, 'safety-code']);
        assert.equal(code.json.safety_code, codeBrowser, 'the same safety code on both sides');
        assert.equal(code.json.key_shared, true, 'Cal opened the K Bea\'s browser sealed for him');
    });

    await t.test('Cal invites with the client; Bea joins in the browser and opens the K the client sealed', async () => {
        const inv = await cli(['--json', 'invite', '--kind', 'friends']);
        friendsId = inv.json.dyad.id;
        await bea.goto(inv.json.link);
        await bea.getByRole('heading', { name: 'Join this dyad?' }).waitFor();
        await bea.locator('#join-dyad').click();
        await bea.getByText(/Cal/).first().waitFor();
        const code = await cli(['--json', '--dyad', friendsId, 'safety-code']);
        assert.equal(code.json.key_shared_now, true, 'the client sealed K for Bea after checking her proof');
        await bea.goto(`${url}/dyads/${friendsId}`);
        const codeBrowser = await text(bea, '#safety-code');
        assert.equal(codeBrowser, code.json.safety_code);
        await bea.locator('#key-check').waitFor();
    });

    await t.test('shares and responses cross both ways', async () => {
        await cli(['--dyad', coupleId, 'share', '--topic', 'fear', '--depth', '2'], { input: 'I worry the new job will swallow our evenings. — Cal' });
        await bea.goto(`${url}/dyads/${coupleId}/shares`);
        const item = bea.locator('li.share', { hasText: 'swallow our evenings' });
        await item.getByRole('heading', { name: 'Cal · Fears' }).waitFor({ timeout: 30000 });
        await item.getByLabel('A few words back (optional)').fill('We will guard Thursdays. — Bea');
        await item.getByRole('button', { name: 'That makes sense' }).click();
        await item.getByText('We will guard Thursdays. — Bea').waitFor();

        await bea.getByLabel('Something small from today').fill('The heron was back on the pond. — Bea');
        await bea.getByLabel('Something small from today').press('Enter');
        await bea.locator('li.share', { hasText: 'heron was back' }).waitFor();

        const r = await cli(['--json', '--dyad', coupleId, 'shares']);
        const mine = r.json.shares.find((s) => s.author_id === calId);
        assert.equal(mine.text, 'I worry the new job will swallow our evenings. — Cal');
        assert.equal(mine.responses[0].text, 'We will guard Thursdays. — Bea', 'the client reads the browser\'s response');
        assert.equal(mine.responses[0].kind, 'makes_sense');
        const hers = r.json.shares.find((s) => s.author_id !== calId);
        assert.equal(hers.text, 'The heron was back on the pond. — Bea', 'the client reads the browser\'s share');
        assert.equal(hers.topic, 'everyday');
        const words = await cli(['--dyad', coupleId, 'shares']);
        assert.match(words.stdout, /Bea · Everyday life · depth 1/);
        assert.match(words.stdout, /-> Bea: That makes sense/);

        await cli(['--dyad', coupleId, 'respond', hers.id, 'with_you', '--text', 'I saw it too, at seven. — Cal']);
        await bea.reload();
        const back = bea.locator('li.share', { hasText: 'heron was back' });
        await back.getByText('Cal — I’m with you').waitFor({ timeout: 30000 });
        await back.getByText('I saw it too, at seven. — Cal').waitFor();
    });

    await t.test('a prompt answered in mutual reveal, the client first', async () => {
        const pr = await cli(['--json', '--dyad', coupleId, 'prompt', '--topic', 'hope']);
        const p = pr.json.prompt;
        await cli(['--dyad', coupleId, 'share', '--topic', p.topic, '--depth', String(p.depth), '--prompt', p.id, '--mutual'],
            { input: 'A small boat, one day. — Cal' });
        await bea.goto(`${url}/dyads/${coupleId}/shares`);
        const withheld = bea.locator('li.share', { has: bea.locator('.withheld') });
        await withheld.waitFor({ timeout: 30000 });
        assert.equal(await bea.getByText('A small boat, one day.').count(), 0, 'withheld from Bea');
        await withheld.getByRole('button', { name: 'Answer this prompt' }).click();
        await bea.getByRole('heading', { name: 'Answer a prompt' }).waitFor();
        await bea.getByLabel(/^Mutual reveal/).check();
        await bea.getByLabel('Your answer', { exact: true }).fill('A garden with a bench. — Bea');
        await bea.getByRole('button', { name: 'Share with Cal' }).click();
        await bea.locator('li.share', { hasText: 'A small boat, one day. — Cal' }).waitFor({ timeout: 30000 });
        const r = await cli(['--json', '--dyad', coupleId, 'shares']);
        const answers = r.json.shares.filter((s) => s.prompt_id === p.id);
        assert.deepEqual(answers.map((s) => s.text).sort(), ['A garden with a bench. — Bea', 'A small boat, one day. — Cal']);
        assert.ok(answers.every((s) => s.reveal === 'mutual' && !s.withheld));
    });

    await t.test('check-ins: each sees what the other chose to show', async () => {
        await cli(['--dyad', coupleId, 'checkin', '--closeness', '6', '--affection', '7', '--emotions', 'gratitude',
            '--note', 'Only mine. — Cal', '--show', 'closeness,emotions']);
        await bea.goto(`${url}/dyads/${coupleId}`);
        const day = bea.locator('#partner-days li.ci-partner-day').first();
        await day.getByText('How close Cal felt: 6 of 10').waitFor({ timeout: 30000 });
        await day.getByText('Feelings Cal shared: gratitude').waitFor();
        assert.equal(await bea.getByText('Only mine').count(), 0, 'never the note');
        assert.equal(await day.getByText(/Affection/).count(), 0, 'not shown');

        await bea.locator('label[for="ci-closeness-8"]').click();
        await bea.locator('#ci-note').fill('Bea\'s own note, written in the browser.');
        await bea.locator('#ci-show-closeness').check();
        await bea.locator('#checkin-save').click();
        await bea.getByText(/Saved for today\. Cal can see/).waitFor();
        const rows = (await cli(['--json', '--dyad', coupleId, 'checkins'])).json.checkins;
        const hers = rows.filter((r) => r.user_id !== calId);
        assert.equal(hers.length, 1);
        assert.equal(hers[0].closeness, 8);
        assert.equal(hers[0].note, undefined);
        const words = await cli(['--dyad', coupleId, 'checkins']);
        assert.match(words.stdout, /How close Bea felt: 8 of 10/);
    });

    await t.test('Bea\'s notes cross between her browser and the client under her own login', async () => {
        const beaCli = { ...clientPerson(work, 'BeaCli', BEA_PASSWORD), email: beaEmail };
        const run = async (args, opts = {}) => {
            const r = await runClient(beaCli, url, args, { passwords: [BEA_PASSWORD], ...opts });
            assert.equal(r.status, 0, `${args.join(' ')} → ${r.status}\n${r.stderr}`);
            return r;
        };
        await run(['login', '--email', beaEmail]);
        const rows = (await run(['--json', '--dyad', coupleId, 'checkins', '--notes'])).json.checkins;
        const own = rows.find((r) => r.note_text !== undefined);
        assert.equal(own.note_text, 'Bea\'s own note, written in the browser.');
        // Yesterday's note, written by the client for Bea; her browser opens it.
        const [y, m, d] = own.date.split('-').map(Number);
        const date = new Date(Date.UTC(y, m - 1, d - 1)).toISOString().slice(0, 10);
        await run(['--dyad', coupleId, 'checkin', '--date', date, '--closeness', '5', '--note', 'Written from the terminal, for me alone.']);
        await bea.goto(`${url}/dyads/${coupleId}`);
        await bea.locator('#ci-day').selectOption(date);
        await bea.waitForFunction(() => document.querySelector('#ci-note').value !== '');
        assert.equal(await bea.locator('#ci-note').inputValue(), 'Written from the terminal, for me alone.');
        // And the export, decrypted by the client, has both of her notes.
        const md = await run(['--dyad', coupleId, 'export']);
        assert.match(md.stdout, /private note: Bea's own note, written in the browser\./);
        assert.match(md.stdout, /private note: Written from the terminal, for me alone\./);
        assert.match(md.stdout, /The heron was back on the pond\./);
        await run(['logout']);
    });

    await t.test('insights: the page and the client show the same numbers', async () => {
        await bea.goto(`${url}/dyads/${coupleId}/insights`);
        const cellsOf = async (name) => (await bea.locator('table.means tbody tr', { hasText: name }).locator('td').allTextContents())
            .map((x) => x.trim());
        const calRow = await cellsOf('Cal');
        const beaRow = await cellsOf('Bea');
        const words = await cli(['--dyad', coupleId, 'insights']);
        const json = (await cli(['--json', '--dyad', coupleId, 'insights'])).json;
        // Cal's closeness: the page (what Bea may see of him) and the client (his own) agree.
        assert.equal(calRow[0], '6.0');
        assert.equal(json.members.find((m) => m.user_id === calId).closeness_mean, 6);
        assert.match(words.stdout, /You \(1 check-ins\)\n\s+Closeness felt\s+6\.0 of 10/);
        // Bea's own page counts both her days (8 and 5); Cal sees only the day she showed.
        assert.equal(beaRow[0], '6.5');
        assert.match(words.stdout, /Bea \(\d+ check-ins\)\n\s+Closeness felt\s+8\.0 of 10/);
        assert.match(words.stdout, /Worth noticing/);
    });

    assert.deepEqual(watch.problems, [], 'no console errors, CSP violations or uncaught exceptions');
});
