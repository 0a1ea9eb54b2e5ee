// pages/talk.js — "/dyads/{id}/talk": a guided conversation on one device.
//
// The two sit together with one phone or laptop between them. Three timed
// sets of prompts, each a little deeper than the one before (talk.js plans
// them within the depth the pacing engine allows for each topic), the two
// taking turns: one reads a prompt aloud and answers, the other answers too,
// and the next prompt goes to the other one first. "Next", "Pause" and "End
// here" are always at hand; ending early is fine and is said to be. An
// optional quiet minute together closes it.
//
// Nothing said aloud is written anywhere. If the pair leave "keep a short
// record" on (they are told before starting), each prompt they talk through
// becomes one share by the signed-in member — its topic, depth and prompt id,
// with the neutral words of talk.RECORD_TEXT encrypted under K — so it counts
// in the insights like any other share.
//
// While a set's clock is running, the page counts as in use for the idle
// lock (the two are talking, not typing); once time is up, or while paused,
// the idle lock runs as usual.

import { api, describeError } from '../api.js';
import { keyForWords, loadDyad } from '../dyads.js';
import { fetchShares, postShare, promptsFor } from '../shares.js';
import { topicsFor, topicLabel, DEPTH_WORDS } from '../words.js';
import * as idle from '../idle.js';
import {
    Countdown, DEFAULT_MINUTES, MINUTE_CHOICES, RECORD_TEXT, SET_COUNT, SILENT_SECONDS,
    formatClock, milestone, planConversation, speakerOrder, spokenTime,
} from '../talk.js';
import { h, messages, nextId, show } from '../ui.js';

const TICK_MS = 500;
const KEEP_AWAKE_MS = 60000;

export async function render(env) {
    const acct = await env.account();
    const dyadId = env.data.dyadId;
    const dyadHref = `/dyads/${encodeURIComponent(dyadId)}`;
    const back = () => h('p', { class: 'talk-nav' }, h('a', { href: dyadHref }, 'Back to today'));
    const title = () => h('h1', null, 'A guided conversation');

    let dyad;
    let view;
    try {
        ({ dyad, view } = await loadDyad(acct, dyadId, { signal: env.signal }));
    } catch (err) {
        if (env.signal.aborted) return;
        show(env.root, title(), h('p', { role: 'alert' }, describeError(err)),
            h('p', null, h('a', { href: '/' }, 'Back to your dyads')));
        return;
    }

    const notReady = (text, alert = false) => show(env.root, title(),
        h('p', alert ? { class: 'alert', role: 'alert' } : { class: 'state waiting' }, text), back());
    const { K, reason, alert } = keyForWords(env, acct, dyad, view, {
        ended: 'This dyad has ended, so there is no conversation to guide here.',
        alone: 'Nobody has joined this dyad yet. A guided conversation is for the two of you, once the person you invited has joined.',
    });
    if (!K) return notReady(reason, alert);

    const ctx = {
        env,
        acct,
        K,
        dyad,
        dyadId,
        dyadHref,
        back,
        names: [acct.user.display_name || (view.me && view.me.display_name) || 'You', view.partner.display_name],
        partnerName: view.partner.display_name,
        canRecord: view.partner.has_key === true,
    };

    show(env.root, title(), h('p', { class: 'state waiting', role: 'status' }, 'Getting your prompts ready…'));
    let material;
    try {
        material = await loadMaterial(env, dyad);
    } catch (err) {
        if (env.signal.aborted) return;
        show(env.root, title(), h('p', { role: 'alert' }, `The prompts could not be loaded: ${describeError(err)}`),
            h('p', null, h('button', { type: 'button', onclick: () => env.rerun() }, 'Try again')), back());
        return;
    }
    startScreen(ctx, material);
}

/**
 * The prompts the two have answered, from their most recent shares (up to
 * ANSWERED_PAGES pages of 100, newest first): with a library of a thousand
 * prompts a long-standing pair has answered more than one page holds.
 */
const ANSWERED_PAGES = 5;
async function answeredPrompts(dyadId, signal) {
    const ids = [];
    let page = await fetchShares(dyadId, { limit: 100, signal });
    for (let i = 1; page.length > 0; i++) {
        for (const s of page) if (s.prompt_id) ids.push(s.prompt_id);
        if (page.length < 100 || i >= ANSWERED_PAGES) break;
        page = await fetchShares(dyadId, { beforeId: page[page.length - 1].id, limit: 100, signal });
    }
    return ids;
}

/**
 * What the plan needs: the depth allowed for each topic (the pacing engine's
 * answer for that topic, asked with peek=1 so that looking is not an offer), the library for the dyad's kind, and the prompts
 * the two have answered before.
 */
async function loadMaterial(env, dyad) {
    const base = `/dyads/${encodeURIComponent(dyad.id)}`;
    const topics = topicsFor(dyad.kind);
    const [caps, library, answered] = await Promise.all([
        Promise.all(topics.map((t) => api('GET', `${base}/next-prompt?topic=${encodeURIComponent(t)}&peek=1`, undefined, { signal: env.signal }))),
        promptsFor(dyad.kind, { signal: env.signal }),
        answeredPrompts(dyad.id, env.signal),
    ]);
    const allowed = {};
    topics.forEach((t, i) => {
        const res = caps[i] || {};
        const cap = Number.isInteger(res.allowed_depth) ? res.allowed_depth : res.depth;
        allowed[t] = res.prompt && Number.isInteger(cap) ? cap : 0;
    });
    return { allowed, library: [...library.values()], answered };
}

// ---- before starting -------------------------------------------------------

function depthSentence(plan) {
    const [, t2, t3] = plan.targets;
    if (plan.allLight) {
        return 'Right now every topic stays light — depth 1 — because that is where your comfort and the trust ' +
            'you have built so far meet. So all three sets stay light. Light conversations bring people closer too.';
    }
    const cap = `as deep as your comfort and the trust you have built allow for now`;
    if (t2 === t3) return `The first set is light. The second and third go a step deeper, to depth ${t3} of 5 — ${cap}.`;
    return `The first set is light, the second goes a step deeper (depth ${t2} of 5), and the third goes to depth ${t3} — ${cap}.`;
}

function radio(name, value, label, checked) {
    const id = nextId(`talk-${name}`);
    return h('div', { class: 'choice' },
        h('input', { type: 'radio', name, id, value: String(value), checked }),
        h('label', { for: id }, label));
}

function startScreen(ctx, material) {
    const { env, names, partnerName } = ctx;
    // a preview with the default length, to say how deep it goes
    const preview = planConversation({ ...material, kind: ctx.dyad.kind, minutes: DEFAULT_MINUTES });
    if (preview.empty) {
        show(env.root, h('h1', null, 'A guided conversation'),
            h('p', { id: 'talk-none' }, 'There are no prompts for a guided conversation right now: every topic has been set aside. ' +
                'Each of you can change your own comfort at any time in ',
            h('a', { href: `/settings#dyad-${encodeURIComponent(ctx.dyadId)}` }, 'Settings'), '.'),
            ctx.back());
        return;
    }
    const recordId = 'talk-record';
    const record = h('input', { type: 'checkbox', id: recordId, name: 'record', checked: ctx.canRecord, disabled: !ctx.canRecord, 'aria-describedby': 'talk-record-hint' });
    const msg = messages();
    const form = h('form', { id: 'talk-setup', class: 'card talk-setup stack', novalidate: true },
        h('fieldset', null,
            h('legend', null, 'How long for each set?'),
            MINUTE_CHOICES.map((m) => radio('minutes', m, `${m} minutes (about ${m * SET_COUNT} in all)`, m === DEFAULT_MINUTES))),
        h('fieldset', null,
            h('legend', null, 'Who reads the first prompt?'),
            radio('first', 0, names[0], true),
            radio('first', 1, names[1], false)),
        h('div', null,
            h('div', { class: 'choice' }, record, h('label', { for: recordId }, 'Keep a short record of which prompts you talked through')),
            h('p', { id: 'talk-record-hint', class: 'hint' }, ctx.canRecord
                ? `If you keep it, dyad saves one share from you (${names[0]}) for each prompt you talk through: its topic, its depth and the time, ` +
                  `with the words “${RECORD_TEXT}”, encrypted like everything you write. Nothing you say aloud is recorded. ` +
                  `${partnerName} sees these among your shares, and they count in your insights. Untick this to keep no record.`
                : `No record can be kept yet, because ${partnerName}’s device does not hold this dyad’s key. Nothing you say aloud is recorded.`)),
        h('p', { class: 'actions' }, h('button', { type: 'submit', id: 'talk-start' }, 'Start the first set')),
        msg.el);
    form.addEventListener('submit', (e) => {
        e.preventDefault();
        const minutes = Number(form.querySelector('input[name="minutes"]:checked')?.value) || DEFAULT_MINUTES;
        const firstSpeaker = Number(form.querySelector('input[name="first"]:checked')?.value) === 1 ? 1 : 0;
        const plan = planConversation({ ...material, kind: ctx.dyad.kind, minutes, firstSpeaker });
        runConversation(ctx, { plan, minutes, firstSpeaker, record: ctx.canRecord && record.checked });
    });
    show(env.root,
        h('h1', null, `A guided conversation with ${partnerName}`),
        h('p', { class: 'lead' }, `Sit down together, with this one device between you.`),
        h('p', null, 'There are three sets of prompts, each a little deeper than the one before, with a timer for each set. ' +
            'You take turns: one of you reads a prompt aloud and answers it, then the other answers too. The next prompt goes to the other one first.'),
        h('p', { id: 'talk-depths' }, depthSentence(preview),
            ' No prompt goes deeper than what both of you said you are comfortable with for its topic.'),
        h('p', null, 'You can pause, skip a prompt or stop whenever you like. Stopping early is fine, and nothing is scored.'),
        form,
        ctx.back());
}

// ---- the conversation -----------------------------------------------------

function makeRecorder(ctx, enabled, onError) {
    const entries = []; // { item, status: 'off'|'pending'|'saved'|'failed', error }
    let chain = Promise.resolve();
    function post(entry) {
        entry.status = 'pending';
        entry.error = null;
        chain = chain.then(async () => {
            // K is wiped when the page run ends (lock, sign-out): never encrypt after that
            if (ctx.env.signal.aborted) {
                entry.status = 'failed';
                return;
            }
            const { prompt } = entry.item;
            try {
                await postShare(ctx.acct, ctx.K, ctx.dyadId, {
                    topic: prompt.topic, depth: prompt.depth, promptId: prompt.id, reveal: 'now', together: true, text: RECORD_TEXT,
                });
                entry.status = 'saved';
            } catch (err) {
                entry.status = 'failed';
                entry.error = err;
                if (!ctx.env.signal.aborted) onError(err);
            }
        });
    }
    return {
        enabled,
        entries,
        add(item) {
            const entry = { item, status: 'off', error: null };
            entries.push(entry);
            if (enabled) post(entry);
        },
        retry() {
            for (const e of entries) if (e.status === 'failed') post(e);
            return chain;
        },
        settled: () => chain,
    };
}

function runConversation(ctx, { plan, minutes, firstSpeaker, record }) {
    const { env, names } = ctx;
    const state = {
        set: 0, // index into plan.sets
        item: 0, // index into the set's items
        turn: 0, // prompts talked through so far: decides who goes first
        clock: null,
        ticker: null,
        lastLeft: 0,
        lastKeepAwake: 0,
        phase: 'set', // 'set' | 'timeup' | 'silent' | 'summary'
    };
    const msg = messages();
    const recorder = makeRecorder(ctx, record, (err) => {
        msg.alert(`The record of one prompt could not be saved: ${describeError(err)} You can go on; dyad offers to try again at the end.`);
    });

    function stopTicker() {
        if (state.ticker) clearInterval(state.ticker);
        state.ticker = null;
    }
    env.signal.addEventListener('abort', stopTicker);

    function keepAwake() {
        const now = Date.now();
        if (now - state.lastKeepAwake >= KEEP_AWAKE_MS) {
            state.lastKeepAwake = now;
            idle.noteActivity(true);
        }
    }

    // One ticking clock at a time; onTick(left) runs on each tick while it runs.
    function startTicker(onTick) {
        stopTicker();
        state.ticker = setInterval(() => {
            if (env.signal.aborted) return stopTicker();
            if (state.clock && state.clock.running) keepAwake();
            onTick(state.clock.remaining());
        }, TICK_MS);
    }

    // ---- a set ----
    let els = null;

    function currentSet() {
        return plan.sets[state.set];
    }

    function setDepthWords(set) {
        const d = set.depth || set.target;
        const before = state.set > 0 ? plan.sets[state.set - 1].depth || 1 : 0;
        let what = 'Light prompts';
        if (d > 1 && d <= before) what = 'Staying as deep as you go for now';
        else if (d > 1 && state.set === SET_COUNT - 1 && d === plan.maxAllowed) what = 'As deep as you go for now';
        else if (d > 1) what = 'A step deeper';
        const light = plan.allLight && state.set > 0 ? ' Every set stays light for now.' : '';
        return `${what} — depth ${d} of 5 (${DEPTH_WORDS[d] || ''}).${light}`;
    }

    function showSet() {
        const set = currentSet();
        state.item = 0;
        state.phase = 'set';
        state.clock = new Countdown(minutes * 60000).start();
        state.lastLeft = state.clock.remaining();
        state.lastKeepAwake = 0;
        msg.clear();

        const time = h('span', { id: 'talk-time', class: 'talk-time', role: 'timer' }, formatClock(state.clock.remaining()));
        const clockLabel = h('span', { class: 'talk-clock-label' }, ' left in this set');
        const turn = h('p', { id: 'talk-turn', class: 'talk-turn' });
        const text = h('blockquote', { id: 'talk-prompt', class: 'talk-prompt' });
        const meta = h('p', { id: 'talk-meta', class: 'talk-meta' });
        const count = h('p', { id: 'talk-count', class: 'talk-count' });
        const card = h('section', { class: 'card talk-card', 'aria-label': 'The prompt', 'aria-live': 'polite', 'aria-atomic': 'true' }, turn, text, meta, count);
        const next = h('button', { type: 'button', id: 'talk-next', onclick: onNext }, 'Next prompt');
        const skip = h('button', { type: 'button', class: 'secondary', id: 'talk-skip', onclick: onSkip }, 'Skip this one');
        const pause = h('button', { type: 'button', class: 'secondary', id: 'talk-pause', onclick: onPause }, 'Pause');
        const end = h('button', { type: 'button', class: 'secondary', id: 'talk-end', onclick: () => finish('ended') }, 'End here');
        const stopText = h('p', { id: 'talk-stop-text' });
        const cont = h('button', { type: 'button', id: 'talk-continue', onclick: onContinue },
            state.set < SET_COUNT - 1 ? `Go on to set ${state.set + 2}` : 'Go on to the quiet minute');
        const stopPanel = h('div', { id: 'talk-stop', class: 'talk-stop', hidden: true }, stopText, h('p', { class: 'actions' }, cont));
        els = { time, clockLabel, turn, text, meta, count, card, next, skip, pause, end, stopText, stopPanel, cont };

        show(env.root,
            h('h1', null, `Set ${set.number} of ${SET_COUNT}`),
            h('p', { id: 'talk-set-depth', class: 'talk-set-depth' }, setDepthWords(set)),
            h('p', { class: 'talk-clock' }, time, clockLabel),
            msg.el,
            card,
            stopPanel,
            h('p', { class: 'actions talk-actions' }, next, skip, pause, end),
            h('p', { class: 'hint' }, 'Choose “Next prompt” once you have both answered, or “Skip this one” to leave a prompt for another time' +
                `${recorder.enabled ? ' (a skipped prompt is not recorded)' : ''}.`));
        drawPrompt();
        startTicker(onTick);
    }

    function drawPrompt() {
        const set = currentSet();
        const it = set.items[state.item];
        if (!it) {
            // the set's prompts ran out before its time did
            if (state.clock) state.clock.pause();
            els.turn.textContent = '';
            els.text.replaceChildren();
            els.text.removeAttribute('data-prompt-id');
            els.text.hidden = true;
            els.meta.textContent = '';
            els.count.textContent = '';
            showStop(`That was the last prompt for this set. Go on when you are ready.`);
            return;
        }
        const [first, second] = speakerOrder(state.turn, firstSpeaker);
        els.text.hidden = false;
        els.turn.textContent = `${names[first]}, read this one aloud and answer; then ${names[second]} answers too.`;
        els.turn.dataset.first = String(first);
        els.text.textContent = it.prompt.text;
        els.text.dataset.promptId = it.prompt.id;
        els.text.dataset.topic = it.prompt.topic;
        els.text.dataset.depth = String(it.prompt.depth);
        els.meta.textContent = `${topicLabel(it.prompt.topic)} · depth ${it.prompt.depth} of 5 (${DEPTH_WORDS[it.prompt.depth] || ''})`;
        els.count.textContent = `Prompt ${state.item + 1} in this set`;
    }

    function talkedThrough() {
        const it = currentSet().items[state.item];
        if (!it) return;
        recorder.add(it);
        state.turn += 1;
    }

    function onNext() {
        talkedThrough();
        state.item += 1;
        drawPrompt();
    }

    function onSkip() {
        state.item += 1;
        drawPrompt();
    }

    function onPause() {
        const c = state.clock;
        if (!c || c.done()) return;
        if (c.running) {
            c.pause();
            els.pause.textContent = 'Resume';
            els.clockLabel.textContent = ' left in this set — paused';
            msg.say(`Paused, with ${spokenTime(c.remaining())} left in this set.`);
        } else {
            c.start();
            state.lastLeft = c.remaining();
            els.pause.textContent = 'Pause';
            els.clockLabel.textContent = ' left in this set';
            msg.say(`Going on, with ${spokenTime(c.remaining())} left.`);
        }
    }

    function showStop(text) {
        const focusWasHere = [els.next, els.skip, els.pause].includes(document.activeElement);
        els.stopText.textContent = text;
        els.stopPanel.hidden = false;
        els.next.hidden = true;
        els.skip.hidden = true;
        els.pause.hidden = true;
        if (focusWasHere) els.cont.focus();
    }

    function onTick(left) {
        els.time.textContent = formatClock(left);
        if (state.phase !== 'set') return;
        const said = milestone(state.lastLeft, left, minutes * 60000);
        state.lastLeft = left;
        if (left <= 0) {
            state.phase = 'timeup';
            stopTicker();
            msg.say(`Time is up for set ${currentSet().number}.`);
            if (currentSet().items[state.item]) {
                showStop('Time is up for this set. Finish what you are saying — then go on when you are ready.');
            }
            return;
        }
        if (said) msg.say(`${said} in set ${currentSet().number}.`);
    }

    function onContinue() {
        // the prompt on screen when time ran out was being talked through
        if (state.phase === 'timeup') talkedThrough();
        stopTicker();
        if (state.set < SET_COUNT - 1) {
            state.set += 1;
            showSet();
        } else {
            silentMinute();
        }
    }

    // ---- the quiet minute ----
    function silentMinute() {
        state.phase = 'silent';
        stopTicker();
        msg.clear();
        state.clock = new Countdown(SILENT_SECONDS * 1000);
        const time = h('span', { id: 'talk-silent-time', class: 'talk-time', role: 'timer' }, formatClock(state.clock.remaining()));
        const start = h('button', { type: 'button', id: 'talk-silent-start' }, 'Start the minute');
        const skip = h('button', { type: 'button', class: 'secondary', id: 'talk-silent-skip', onclick: () => finish('done', false) }, 'Skip it');
        const circle = h('div', { class: 'talk-breath', 'aria-hidden': 'true' });
        start.addEventListener('click', () => {
            state.clock.start();
            state.lastKeepAwake = 0;
            start.hidden = true;
            skip.textContent = 'End the minute now';
            circle.classList.add('running');
            skip.focus();
            msg.say('The minute has started.');
            startTicker((left) => {
                time.textContent = formatClock(left);
                if (left <= 0) {
                    stopTicker();
                    finish('done', true);
                }
            });
        });
        show(env.root,
            h('h1', null, 'A quiet minute together'),
            h('p', { class: 'lead talk-silent-text' }, 'Sit together for a minute without talking — look at each other if that feels right.'),
            h('p', null, 'It is up to you: you can skip it, or end it whenever you like.'),
            circle,
            h('p', { class: 'talk-clock' }, time, h('span', { class: 'talk-clock-label' }, ' of quiet')),
            msg.el,
            h('p', { class: 'actions' }, start, skip));
    }

    // ---- the end ----
    async function finish(how, silent = false) {
        if (state.phase === 'summary') return;
        // ending after time ran out: the prompt still on screen was talked through
        if (state.phase === 'timeup') talkedThrough();
        state.phase = 'summary';
        stopTicker();
        const early = how === 'ended';
        const setNo = currentSet() ? currentSet().number : SET_COUNT;
        const talked = recorder.entries.map((e) => e.item);
        const status = h('p', { id: 'talk-record-status', class: 'status', role: 'status', 'aria-live': 'polite' });
        const alertEl = h('p', { class: 'alert', role: 'alert' });
        const retry = h('button', { type: 'button', class: 'secondary', id: 'talk-record-retry', hidden: true }, 'Try saving the record again');
        const list = talked.length
            ? h('ol', { id: 'talk-summary-list', class: 'talk-summary-list' }, talked.map((it) => h('li', { dataset: { promptId: it.prompt.id } },
                h('q', null, it.prompt.text), ' ',
                h('span', { class: 'talk-meta' }, `${topicLabel(it.prompt.topic)} · depth ${it.prompt.depth}`))))
            : h('p', { id: 'talk-summary-none' }, 'You did not get to the end of a prompt this time — that is fine too.');
        show(env.root,
            h('h1', null, early ? 'You stopped here, and that is fine' : 'Thank you both'),
            h('p', { id: 'talk-summary-text', class: 'lead' }, early
                ? `You stopped during set ${setNo}. Ending early is fine: the time you spent talking like this counts, however long it was.`
                : silent
                    ? 'You went through all three sets together, and ended with a quiet minute.'
                    : 'You went through all three sets together.'),
            h('h2', null, 'What you talked through'),
            list,
            status,
            alertEl,
            h('p', null, retry),
            h('p', { class: 'actions' },
                h('a', { class: 'button', href: ctx.dyadHref }, 'Back to today'),
                h('a', { class: 'button secondary', href: `${ctx.dyadHref}/shares` }, `Your shares with ${ctx.partnerName}`)),
            h('p', { class: 'hint' }, 'You can sit down again any time from the dyad’s page. Prompts you have talked through are not offered again while there are others.'));

        const report = () => {
            const saved = recorder.entries.filter((e) => e.status === 'saved').length;
            const failed = recorder.entries.filter((e) => e.status === 'failed');
            if (!recorder.enabled) {
                status.textContent = 'No record was kept, as you chose.';
            } else if (!recorder.entries.length) {
                status.textContent = 'There was nothing to record.';
            } else if (failed.length) {
                status.textContent = saved ? `The record of ${saved} ${saved === 1 ? 'prompt was' : 'prompts were'} saved.` : '';
                const err = failed.find((e) => e.error);
                alertEl.textContent = `The record of ${failed.length} ${failed.length === 1 ? 'prompt' : 'prompts'} could not be saved` +
                    `${err ? `: ${describeError(err.error)}` : '.'}`;
                retry.hidden = false;
            } else {
                status.textContent = `A short record is kept among your shares: which ${saved === 1 ? 'prompt' : `${saved} prompts`} you talked through, and when — not what you said.`;
                status.dataset.saved = String(saved);
            }
        };
        retry.addEventListener('click', async () => {
            retry.hidden = true;
            alertEl.textContent = '';
            status.textContent = 'Saving the record…';
            await recorder.retry();
            if (!env.signal.aborted) report();
        });
        if (recorder.enabled && recorder.entries.length) status.textContent = 'Saving the record…';
        await recorder.settled();
        if (!env.signal.aborted) report();
    }

    showSet();
}
