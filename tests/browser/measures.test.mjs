// Members answer a measure their therapist scheduled, in real Chromium: a
// couple paired in two browser contexts links a therapist (through the API,
// as the therapist's own page is tested elsewhere), who asks them to answer
// the weekly check. On the dyad page Ana finds it due, answers five of the
// six questions by their labels, leaves the box for Bea unticked and sends;
// the page says when the next one is due and shows her own scores (hand
// computed: the reversed item counted 4 − 1, the total prorated ×6/5, the
// satisfaction mean not computed with an answer missing). Bea's page still
// asks her and shows nothing of Ana's; Bea answers with the box ticked, and
// Ana's page then shows what Bea chose to show. The therapist sees both
// scores, and Ana's readable export holds her answers in words with her
// scores and nothing of Bea's. axe-core finds no WCAG 2.x A/AA problem on the form, and no page
// logs a console error, an uncaught exception or a CSP violation.
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { launchBrowser, axeViolations } from '../lib/browser.mjs';
import { pairInBrowser } from '../lib/journey.mjs';
import { makeTherapist } from '../lib/therapist.mjs';

const TITLE = 'This week between us';

async function answer(page, choices) {
    const card = page.locator('section.measure', { has: page.getByRole('heading', { name: TITLE }) });
    for (const [question, choice] of choices) {
        await card.getByRole('group', { name: question }).getByRole('radio', { name: choice, exact: true }).check();
    }
    return card;
}

test('members answer the measure their therapist scheduled; each sees their own scores and only what the other chose to show', async (t) => {
    const server = await startServer({ env: { DYAD_REGISTRATIONS_PER_CLIENT: '500' } });
    const browser = await launchBrowser();
    t.after(async () => {
        await browser.close();
        await server.stop();
    });
    const url = server.url;
    const { a, b, dyadId } = await pairInBrowser(browser, url, { kind: 'couple', names: ['Ana', 'Bea'] });
    const th = await makeTherapist(server);
    for (const who of [a, b]) {
        const r = await who.api.post(`/api/v1/dyads/${dyadId}/therapist`, { therapist_code: th.code });
        assert.equal(r.status, 200, r.text);
    }
    const given = await th.c.post(`/api/v1/therapist/dyads/${dyadId}/measures`, { questionnaire: 'dyad-weekly-1' });
    assert.equal(given.status, 201, given.text);

    // Ana: due on her dyad page
    await a.page.goto(`${url}/dyads/${dyadId}`);
    await a.page.getByRole('heading', { name: TITLE }).waitFor({ timeout: 30000 });
    const card = await answer(a.page, [
        ['This week, how often did you feel close to the other person?', 'Often'],
        ['This week, how often did you feel heard when you talked about something that mattered to you?', 'Sometimes'],
        ['This week, how often did you keep something important to yourself because saying it felt unsafe or pointless?', 'Rarely'],
        ['This week, how often did you show the other person warmth or appreciation?', 'Often'],
        ['How satisfied are you with the time you spent together this week?', 'Mostly'],
    ]);
    const show = card.getByLabel('Let Bea see my answers to this one');
    assert.equal(await show.isChecked(), false, 'not shown unless she chooses');
    assert.deepEqual(await axeViolations(a.page), [], 'accessibility problems on the measure form');
    await card.getByRole('button', { name: 'Send my answers' }).click();
    await a.page.getByText(/Answered for now\. The next one is due on \d{4}-\d{2}-\d{2}\./).waitFor({ timeout: 30000 });
    // (3 + 2 + (4 − 1) + 3 + 3) × 6/5 = 16.8; closeness 3 + 2 + 3 + 3 = 11
    const mine = a.page.locator('.measure-history', { hasText: 'Your answers' });
    await mine.getByText('Closeness and satisfaction (0–24): 16.8 · Closeness (0–16): 11 · Satisfaction (0–4): not enough answers').waitFor();
    assert.equal(await a.page.getByRole('button', { name: 'Send my answers' }).count(), 0);

    // Bea: still asked, nothing of Ana's answer
    await b.page.goto(`${url}/dyads/${dyadId}`);
    await b.page.getByRole('heading', { name: TITLE }).waitFor({ timeout: 30000 });
    await b.page.waitForLoadState('networkidle');
    const bText = await b.page.locator('main').innerText();
    assert.ok(!bText.includes('What Ana chose to show you'), 'Ana did not choose to show');
    assert.ok(!bText.includes('16.8'));
    const bCard = await answer(b.page, [
        ['This week, how often did you feel close to the other person?', 'Almost always'],
        ['This week, how often did you feel heard when you talked about something that mattered to you?', 'Almost always'],
        ['This week, how often did you keep something important to yourself because saying it felt unsafe or pointless?', 'Never'],
        ['This week, how often did you show the other person warmth or appreciation?', 'Almost always'],
        ['How satisfied are you with the time you spent together this week?', 'Completely'],
        ['All things considered, how satisfied are you with your relationship with this person right now?', 'Completely'],
    ]);
    await bCard.getByLabel('Let Ana see my answers to this one').check();
    await bCard.getByRole('button', { name: 'Send my answers' }).click();
    await b.page.getByText(/Answered for now\./).waitFor({ timeout: 30000 });
    await b.page.locator('.measure-history', { hasText: 'Your answers' })
        .getByText('Closeness and satisfaction (0–24): 24 · Closeness (0–16): 16 · Satisfaction (0–4): 4').waitFor();

    // Ana now sees what Bea chose to show
    await a.page.reload();
    const theirs = a.page.locator('.measure-history', { hasText: 'What Bea chose to show you' });
    await theirs.getByText('Closeness and satisfaction (0–24): 24').waitFor({ timeout: 30000 });

    // the therapist sees both scores
    const seen = (await th.c.get(`/api/v1/therapist/dyads/${dyadId}/measures`)).json.measures[0];
    const totals = Object.fromEntries(seen.members.map((m) => [m.user_id, m.answers.map((x) => x.scores.total)]));
    assert.deepEqual(totals, { [a.userId]: [16.8], [b.userId]: [24] });

    // Ana takes her data with her: the readable copy holds her answers in
    // words and her scores, and nothing of Bea's answer
    await a.page.goto(`${url}/settings`);
    await a.page.locator(`#dyad-${dyadId} h3`).getByText('Couple with Bea').waitFor({ timeout: 30000 });
    const [dl] = await Promise.all([a.page.waitForEvent('download'), a.page.locator('#export-readable').click()]);
    const md = readFileSync(await dl.path(), 'utf8');
    const section = md.slice(md.indexOf('### Questionnaires you answered (1)'));
    assert.ok(md.includes('### Questionnaires you answered (1)'), md);
    assert.match(section, /#### \d{4}-\d{2}-\d{2} — This week between us/);
    assert.ok(section.includes('- This week, how often did you keep something important to yourself because saying it felt unsafe or pointless?: Rarely'));
    assert.ok(section.includes('- All things considered, how satisfied are you with your relationship with this person right now?: left out'));
    assert.ok(section.includes('- Score, Closeness and satisfaction (0–24): 16.8'));
    assert.ok(section.includes('- Score, Satisfaction (0–4): not enough answers'));
    assert.ok(section.includes('- Shown to Bea: no'));
    assert.ok(!md.includes(': 24') && !md.includes('Almost always') && !md.includes('Completely'), 'nothing of Bea\'s answer');

    for (const who of [a, b]) assert.deepEqual(who.watch.problems, [], `${who.name}'s page`);
});
