// pages/shares.js — "/dyads/{id}/shares": the thread of shares and responses
// between the two members, and the composer.
//
// Every word is encrypted and decrypted here, under the dyad key K that this
// device opens with dyads.js; the server sees topic, depth, time and response
// kind only. An entry that does not decrypt (a changed byte, a body moved
// from another record, a changed author) shows a plain sentence instead of
// its text. Nothing here tells the partner anything about reading: there are
// no read receipts, no typing or "seen" signals.
//
// `?prompt={id}` (the check-in page's "Answer" link) opens the composer with
// that prompt, its topic and depth preset, and a choice between showing the
// answer now and mutual reveal.
//
// While a therapist is linked with both members' consent, each of one's own
// shares and responses with words offers "Share this with <therapist>": a
// confirmation says exactly what the therapist will see, then the entry's
// text is sealed here to the therapist's key (shares.js: reshareEntry). The
// partner is not told, and this page shows nothing of it on the partner's
// side. The API keeps no list of re-shares for members, so "Shared with …
// on …" is remembered only while this page is open — never in storage,
// where a partner could find it after a quick exit.
//
// An author can take back their own share or response at any time: "Delete"
// under it asks once, in words, then the server erases it (a share with the
// responses to it). The other member's page drops it at its next refresh.
//
// A deep share (depth 4 or 5, chosen or preset by a prompt) says "share only
// as much as feels right", with a quiet link to Help & safety.

import { ApiError, describeError } from '../api.js';
import { keyForWords, loadDyad } from '../dyads.js';
import {
    GUIDED_TOPICS, MAX_TEXT_BYTES, MAX_TEXT_CHARS, PAGE_SIZE, SMALL_MOMENT_CHARS,
    UNREADABLE, fetchShares, markSeen, olderCursor, openEntry, postResponse, postShare, promptsFor, textBytes,
    RESHARE_MAX_BYTES, ReshareKeyError, fetchActiveTherapist, reshareEntry, deleteShare, deleteResponse,
} from '../shares.js';
import { DEPTHS, RESPONSE_KINDS, depthOf, responseLabel, topicChoices, topicLabel } from '../words.js';
import { h, messages, nextId, setBusy, show, focusHeading, formatDate } from '../ui.js';

const POLL_MS = 30000;

export async function render(env) {
    const acct = await env.account();
    const dyadId = env.data.dyadId;
    const back = h('p', { class: 'shares-nav' }, h('a', { href: `/dyads/${encodeURIComponent(dyadId)}` }, 'Back to today'));

    let dyad;
    let view;
    try {
        ({ dyad, view } = await loadDyad(acct, dyadId, { signal: env.signal }));
    } catch (err) {
        if (env.signal.aborted) return;
        show(env.root, h('h1', null, 'Shares'), h('p', { role: 'alert' }, describeError(err)),
            h('p', null, h('a', { href: '/' }, 'Back to your dyads')));
        return;
    }

    const notReady = (text, alert = false) => show(env.root, h('h1', null, 'Shares'),
        h('p', alert ? { class: 'alert', role: 'alert' } : { class: 'state waiting' }, text), back);
    const { K, reason, alert } = keyForWords(env, acct, dyad, view, {
        alone: 'Nobody has joined this dyad yet. Once the person you invited joins, you can share with them here.',
    });
    if (!K) return notReady(reason, alert);

    const ctx = {
        env,
        acct,
        K,
        dyad,
        dyadId,
        me: acct.user.id,
        partner: view.partner,
        name: view.partner.display_name,
        // words can go between the two only while the dyad is active and both hold K
        open: dyad.active !== false && view.partner.has_key === true,
        therapist: null, // the linked therapist, while the link is active
        reshared: new Map(), // entry id → when it was re-shared, while this page is open
    };
    ctx.nameOf = (userId) => (userId === ctx.me ? 'You' : userId === ctx.partner.user_id ? ctx.name : 'Someone who has left');

    const thread = makeThread(ctx);
    const compose = ctx.open ? makeComposer(ctx, thread) : null;
    ctx.answerPrompt = (promptId) => compose && compose.openPrompt(promptId, true);

    env.root.append(
        h('h1', null, `Shares with ${ctx.name}`),
        back,
        h('p', { class: 'e2ee-note' }, `What you write here is encrypted on this device before it is sent, with a key only you and ${ctx.name} hold. ` +
            'The server keeps the topic, the depth and the time — never the words.'),
        ctx.open ? makeSmallMoment(ctx, thread) : h('p', { class: 'state waiting' }, dyad.active === false
            ? 'This dyad has ended. What was shared stays readable here, but nothing new can be added.'
            : `${ctx.name} does not hold this dyad’s key yet, so nothing can be shared with them. Open the dyad’s page to finish pairing.`),
        compose ? compose.el : null,
        thread.el);
    focusHeading(env.root);

    try {
        ctx.therapist = await fetchActiveTherapist(dyadId, { signal: env.signal });
    } catch {
        // without it the page works as before: nothing is offered to re-share
        if (env.signal.aborted) return;
    }
    await thread.loadFirst();
    // what is on screen now is no longer "new" on one's own pages (the
    // count is a reminder for oneself, never a receipt for the other)
    const seen = () => markSeen(dyadId, { signal: env.signal }).catch(() => {});
    await seen();
    const wanted = new URLSearchParams(location.search).get('prompt');
    if (compose && wanted) await compose.openPrompt(wanted, false);
    if (ctx.open) {
        env.poll(async () => {
            await thread.refresh();
            await seen();
            return false;
        }, POLL_MS);
    }
}

// ---- the one-line small moment ---------------------------------------------

function makeSmallMoment(ctx, thread) {
    const id = 'small-moment-text';
    const hintId = `${id}-hint`;
    const input = h('input', {
        id, name: 'moment', type: 'text', maxlength: SMALL_MOMENT_CHARS, autocomplete: 'off',
        'aria-describedby': hintId,
    });
    const msg = messages();
    const form = h('form', { class: 'small-moment-form', novalidate: true },
        h('label', { for: id }, 'Something small from today'),
        h('p', { id: hintId, class: 'hint' }, `One line about your day for ${ctx.name} — everyday, the lightest depth.`),
        h('div', { class: 'inline-row' }, input, h('button', { type: 'submit', id: 'share-moment' }, 'Share this moment')),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (!text) {
            msg.alert('Write a few words first.');
            input.focus();
            return;
        }
        setBusy(form, true);
        msg.say('Encrypting and sending…');
        try {
            const share = { topic: 'everyday', depth: 1, text };
            thread.addMine(await postShare(ctx.acct, ctx.K, ctx.dyadId, share), share);
            input.value = '';
            msg.say(`Shared with ${ctx.name}.`);
        } catch (err) {
            msg.alert(describeError(err));
        } finally {
            setBusy(form, false);
            input.focus();
        }
    });
    return h('section', { class: 'card small-moment', 'aria-labelledby': 'small-moment-heading' },
        h('h2', { id: 'small-moment-heading' }, 'A small moment'),
        form);
}

// ---- the composer ------------------------------------------------------------

function radioGroup({ name, legend, options, describedBy }) {
    const errorEl = h('p', { id: nextId(`${name}-error`), class: 'field-error', hidden: true });
    const inputs = [];
    const fieldset = h('fieldset', { class: `choices ${name}-choices`, 'aria-describedby': [describedBy, errorEl.id].filter(Boolean).join(' ') },
        h('legend', null, legend),
        options.map((o) => {
            const id = nextId(name);
            const input = h('input', { type: 'radio', name, id, value: String(o.value) });
            input.addEventListener('change', () => setError(null));
            inputs.push(input);
            return h('div', { class: 'choice' }, input,
                h('label', { for: id }, o.label, o.hint ? h('span', { class: 'choice-hint' }, ` — ${o.hint}`) : null));
        }),
        errorEl);
    function setError(text) {
        errorEl.textContent = text || '';
        errorEl.hidden = !text;
        fieldset.classList.toggle('invalid', !!text);
        for (const i of inputs) {
            if (text) i.setAttribute('aria-invalid', 'true');
            else i.removeAttribute('aria-invalid');
        }
    }
    return {
        el: fieldset,
        inputs,
        get value() {
            const c = inputs.find((i) => i.checked);
            return c ? c.value : null;
        },
        set value(v) {
            for (const i of inputs) i.checked = i.value === String(v);
            setError(null);
        },
        setError,
        focus() {
            (inputs.find((i) => i.checked) || inputs[0]).focus();
        },
    };
}

function makeComposer(ctx, thread) {
    let prompt = null; // the prompt being answered, or null
    const heading = h('h2', { id: 'composer-heading', tabindex: '-1' }, 'Share something');
    const toggle = h('button', {
        type: 'button', class: 'secondary', id: 'open-composer', 'aria-expanded': 'false', 'aria-controls': 'composer-body',
    }, 'Share something deeper');

    const promptText = h('p', { class: 'composer-prompt-text', id: 'composer-prompt' });
    // A prompt marked `support` could hurt without someone to lean on: a
    // quiet line points to help, never a warning that blocks the way.
    const supportLine = h('p', { class: 'hint prompt-support', id: 'composer-support', hidden: true },
        'This one can stir up a lot. If you would like someone with you for it, ',
        h('a', { href: '/safety', target: '_blank', rel: 'noopener noreferrer' }, 'help and people to talk to are here'), '.');
    const promptBlock = h('div', { class: 'prompt-block', hidden: true },
        h('p', { class: 'prompt-label' }, 'You are answering this prompt:'),
        promptText,
        supportLine,
        h('p', null, h('button', { type: 'button', class: 'link', onclick: () => clearPrompt(true) }, 'Write without the prompt')));

    const topics = radioGroup({
        name: 'topic',
        legend: 'What is it about?',
        options: topicChoices(ctx.dyad.kind, ctx.dyad.desire_open === true).map((t) => ({ value: t.name, label: t.label, hint: t.hint })),
    });
    const guide = h('div', { class: 'guide', id: 'share-guide', 'aria-live': 'polite' });
    function showGuide() {
        if (GUIDED_TOPICS.includes(topics.value)) {
            if (!guide.firstChild) {
                guide.append(
                    h('p', { class: 'guide-title' }, 'Saying something hard, gently'),
                    h('ul', null,
                        h('li', null, 'Speak of yourself: “I felt…”, “I was…”, rather than “you made me…”.'),
                        h('li', null, 'Speak of this one time, not “you always” or “you never”.'),
                        h('li', null, 'Say what you would hope for next time, if you know.')),
                    h('p', null, `${ctx.name} can answer with understanding; nobody has to win.`));
            }
        } else {
            guide.replaceChildren();
        }
    }
    for (const i of topics.inputs) i.addEventListener('change', showGuide);

    const depths = radioGroup({
        name: 'depth',
        legend: 'How deep does it go?',
        options: DEPTHS.map((d) => ({ value: d.n, label: `${d.n} · ${d.label}`, hint: d.hint })),
    });
    // Deep (4 or 5): a quiet word, never a warning in the way. A prompt
    // marked `support` has its own line with the same link.
    const deepLine = h('p', { class: 'hint composer-deep', id: 'composer-deep', hidden: true },
        'Share only as much as feels right. If you would like support, ',
        h('a', { href: '/safety', target: '_blank', rel: 'noopener noreferrer' }, 'help and people to talk to are here'), '.');
    function showDeep() {
        deepLine.hidden = !(Number(depths.value) >= 4) || !supportLine.hidden;
    }
    for (const i of depths.inputs) i.addEventListener('change', showDeep);

    const textId = 'share-text';
    const textLabel = h('label', { for: textId }, 'What you want to share');
    const textError = h('p', { id: `${textId}-error`, class: 'field-error', hidden: true });
    const text = h('textarea', {
        id: textId, name: 'text', rows: '6', maxlength: MAX_TEXT_CHARS, 'aria-describedby': `e2ee-statement ${textId}-error`,
    });
    const setTextError = (m) => {
        textError.textContent = m || '';
        textError.hidden = !m;
        if (m) text.setAttribute('aria-invalid', 'true');
        else text.removeAttribute('aria-invalid');
    };
    text.addEventListener('input', () => setTextError(null));

    const reveal = radioGroup({
        name: 'reveal',
        legend: `When may ${ctx.name} read your answer?`,
        options: [
            { value: 'now', label: 'Now' },
            { value: 'mutual', label: 'Mutual reveal', hint: `${ctx.name} sees your answer once they’ve answered too, and you see theirs` },
        ],
    });
    reveal.el.hidden = true;

    const msg = messages();
    const submit = h('button', { type: 'submit', id: 'share-submit' }, `Share with ${ctx.name}`);
    const form = h('form', { class: 'stack composer-form', novalidate: true },
        promptBlock,
        topics.el,
        guide,
        depths.el,
        deepLine,
        h('div', { class: 'field' }, textLabel, text, textError),
        reveal.el,
        h('p', { class: 'e2ee', id: 'e2ee-statement' },
            h('strong', null, 'Encrypted on this device. '),
            `Your words are locked here, with a key only you and ${ctx.name} hold, before they are sent. ` +
            'The server stores the topic, the depth and the time — never the words.'),
        h('div', { class: 'actions' }, submit),
        msg.el);
    const body = h('div', { id: 'composer-body', hidden: true }, form);
    const el = h('section', { class: 'card composer', id: 'composer', 'aria-labelledby': 'composer-heading' },
        heading, h('p', { class: 'actions composer-toggle' }, toggle), body);

    function setOpen(open) {
        body.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
    }
    toggle.addEventListener('click', () => {
        setOpen(body.hidden);
        if (!body.hidden) topics.focus();
    });

    function clearPrompt(focus) {
        prompt = null;
        promptBlock.hidden = true;
        supportLine.hidden = true;
        promptText.textContent = '';
        reveal.el.hidden = true;
        heading.textContent = 'Share something';
        textLabel.textContent = 'What you want to share';
        if (new URLSearchParams(location.search).has('prompt')) history.replaceState(null, '', location.pathname);
        if (focus) topics.focus();
    }

    async function openPrompt(promptId, fromThread) {
        let found = null;
        try {
            const all = await promptsFor(ctx.dyad.kind, { signal: ctx.env.signal });
            found = all.get(promptId) || null;
        } catch (err) {
            if (ctx.env.signal.aborted) return;
            setOpen(true);
            msg.alert(`The prompt could not be loaded. ${describeError(err)}`);
            return;
        }
        setOpen(true);
        if (!found) {
            clearPrompt(false);
            msg.alert('That prompt is not available for this dyad. You can still write whatever you like.');
            heading.focus();
            return;
        }
        prompt = found;
        promptText.textContent = found.text;
        supportLine.hidden = found.support !== true;
        promptBlock.hidden = false;
        heading.textContent = 'Answer a prompt';
        textLabel.textContent = 'Your answer';
        topics.value = found.topic;
        depths.value = found.depth;
        showGuide();
        showDeep();
        reveal.el.hidden = false;
        reveal.value = 'mutual';
        msg.clear();
        if (fromThread) history.replaceState(null, '', `${location.pathname}?prompt=${encodeURIComponent(found.id)}`);
        heading.focus();
        el.scrollIntoView({ block: 'start' });
    }

    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        msg.clear();
        const problems = [];
        const words = text.value;
        if (!topics.value) {
            topics.setError('Choose what it is about.');
            problems.push(topics);
        }
        if (!depths.value) {
            depths.setError('Choose how deep it goes.');
            problems.push(depths);
        }
        if (!words.trim()) {
            setTextError('Write something to share first.');
            problems.push(text);
        } else if (textBytes(words) > MAX_TEXT_BYTES) {
            setTextError('This is too long to send in one share. Split it into two.');
            problems.push(text);
        }
        if (problems.length) {
            problems[0].focus();
            return;
        }
        const share = {
            topic: topics.value,
            depth: Number(depths.value),
            promptId: prompt ? prompt.id : null,
            reveal: prompt ? reveal.value || 'now' : 'now',
            text: words,
        };
        setBusy(form, true);
        msg.say('Encrypting and sending…');
        let ok = false;
        try {
            thread.addMine(await postShare(ctx.acct, ctx.K, ctx.dyadId, share), share);
            ok = true;
            text.value = '';
            topics.value = null;
            depths.value = null;
            showGuide();
            showDeep();
            const answered = !!share.promptId;
            clearPrompt(false);
            msg.say(share.reveal === 'mutual'
                ? `Your answer is saved. ${ctx.name} will see it once they have answered this prompt too.`
                : `Shared with ${ctx.name}.`);
            // Answering a prompt may reveal the partner's withheld answer.
            if (answered) await thread.refresh().catch(() => {});
        } catch (err) {
            if (err instanceof ApiError && err.field === 'topic') topics.setError(err.message);
            else if (err instanceof ApiError && err.field === 'depth') depths.setError(err.message);
            else if (err instanceof ApiError && err.field === 'body') setTextError(err.message);
            msg.alert(describeError(err));
        } finally {
            setBusy(form, false);
            if (ok) heading.focus();
            else text.focus();
        }
    });

    return { el, openPrompt };
}

// ---- the thread ---------------------------------------------------------------

function makeThread(ctx) {
    const list = h('ol', { class: 'share-list', id: 'share-list' });
    const msg = messages();
    const empty = h('p', { class: 'empty', hidden: true }, `Nothing shared yet. A small moment is a fine way to start.`);
    const older = h('button', { type: 'button', class: 'secondary', id: 'older-shares', hidden: true }, 'Show older shares');
    const el = h('section', { class: 'thread', 'aria-labelledby': 'thread-heading' },
        h('h2', { id: 'thread-heading' }, `Between you and ${ctx.name}`),
        msg.el,
        list,
        empty,
        h('p', { class: 'actions' }, older));

    const data = new Map(); // id → share, as the server sent it
    const shown = new Map(); // id → { sig, el }
    let order = []; // ids, newest first
    let more = false;
    let prompts = null; // Map id → prompt, once needed

    async function needPrompts(shares) {
        if (prompts || !shares.some((s) => s.prompt_id)) return;
        try {
            prompts = await promptsFor(ctx.dyad.kind, { signal: ctx.env.signal });
        } catch {
            // shown without the prompt's text
        }
    }

    function partnerAnswered(promptId) {
        if (!promptId) return false;
        for (const s of data.values()) if (s.prompt_id === promptId && s.author_id !== ctx.me) return true;
        return false;
    }

    const sigOf = (s) => `${JSON.stringify(s)}|${partnerAnswered(s.prompt_id)}|${prompts ? 1 : 0}`;

    // An entry someone is writing a response in is left alone until they are done.
    function inUse(node) {
        if (node.contains(document.activeElement)) return true;
        for (const t of node.querySelectorAll('textarea')) if (t.value.trim()) return true;
        return !!node.querySelector('[aria-busy="true"]');
    }

    function draw(force = null) {
        for (const id of order) {
            const s = data.get(id);
            const sig = sigOf(s);
            const rec = shown.get(id);
            if (rec && rec.sig === sig) continue;
            if (rec && id !== force && inUse(rec.el)) continue;
            const node = renderShare(ctx, s, { prompts, partnerAnswered: partnerAnswered(s.prompt_id), onResponded, onDeleted });
            if (rec) rec.el.replaceWith(node);
            shown.set(id, { sig, el: node });
        }
        // Put the entries in order, moving only those out of place.
        let cursor = list.firstElementChild;
        for (const id of order) {
            const node = shown.get(id).el;
            if (node === cursor) cursor = cursor.nextElementSibling;
            else list.insertBefore(node, cursor);
        }
        empty.hidden = order.length > 0;
        older.hidden = !more;
    }

    // The newest shares, newest first, merged over what is shown. With
    // `prune`, a shown share as new as the oldest fetched one that did not
    // come back was deleted by its author: it goes.
    function mergeTop(fetched, prune = false) {
        const ids = new Set(fetched.map((s) => s.id));
        if (prune && fetched.length) {
            const oldest = fetched[fetched.length - 1].created_at;
            for (const id of order) {
                const s = data.get(id);
                if (!ids.has(id) && s && s.created_at >= oldest) forget(id);
            }
        }
        for (const s of fetched) data.set(s.id, s);
        order = [...fetched.map((s) => s.id), ...order.filter((id) => !ids.has(id))];
    }

    function forget(id) {
        const rec = shown.get(id);
        if (rec) rec.el.remove();
        shown.delete(id);
        data.delete(id);
        order = order.filter((x) => x !== id);
    }

    // After one's own share or response was deleted on the server.
    function onDeleted(shareId, responseId) {
        if (responseId) {
            const s = data.get(shareId);
            if (s) data.set(shareId, { ...s, responses: (s.responses || []).filter((r) => r.id !== responseId) });
            draw(shareId);
            msg.say('Your response was deleted.');
            const node = shown.get(shareId) && shown.get(shareId).el.querySelector('h3');
            if (node) node.focus();
        } else {
            forget(shareId);
            draw();
            msg.say('Your share was deleted.');
            const head = document.getElementById('thread-heading');
            if (head) {
                head.setAttribute('tabindex', '-1');
                head.focus();
            }
        }
    }

    function onResponded(shareId, response) {
        const s = data.get(shareId);
        if (!s) return;
        const copy = { ...s, responses: [...(s.responses || []), response] };
        delete copy.waiting_for_you;
        data.set(shareId, copy);
        draw(shareId);
        const node = shown.get(shareId).el;
        const head = node.querySelector('h3');
        if (head) head.focus();
        msg.say(`Your response was sent to ${ctx.name}.`);
    }

    async function loadFirst() {
        msg.say('Loading and decrypting…');
        try {
            const got = await fetchShares(ctx.dyadId, { limit: PAGE_SIZE, signal: ctx.env.signal });
            await needPrompts(got);
            mergeTop(got);
            more = got.length === PAGE_SIZE;
            draw();
            msg.clear();
        } catch (err) {
            if (ctx.env.signal.aborted) return;
            msg.alert(describeError(err));
        }
    }

    // Everything already shown, fetched again (new shares, new responses,
    // answers no longer withheld).
    async function refresh() {
        const limit = Math.min(100, Math.max(PAGE_SIZE, order.length));
        const got = await fetchShares(ctx.dyadId, { limit, signal: ctx.env.signal });
        await needPrompts(got);
        mergeTop(got, true);
        draw();
    }

    older.addEventListener('click', async () => {
        const loaded = order.map((id) => data.get(id));
        const cur = olderCursor(loaded);
        if (!cur) return;
        older.disabled = true;
        msg.say('Loading older shares…');
        try {
            const got = await fetchShares(ctx.dyadId, { beforeId: cur.beforeId, limit: cur.limit, signal: ctx.env.signal });
            const fresh = got.filter((s) => !data.has(s.id));
            await needPrompts(fresh);
            for (const s of fresh) {
                data.set(s.id, s);
                order.push(s.id);
            }
            more = got.length === cur.limit && fresh.length > 0;
            draw();
            msg.say(fresh.length ? `Showing ${fresh.length} older ${fresh.length === 1 ? 'share' : 'shares'}.` : 'There is nothing older.');
            if (fresh.length) {
                const head = shown.get(fresh[0].id).el.querySelector('h3');
                if (head) head.focus();
            }
        } catch (err) {
            if (ctx.env.signal.aborted) return;
            msg.alert(describeError(err));
        } finally {
            older.disabled = false;
        }
    });

    // A share this device just posted: shown at once from what it sent.
    function addMine(res, share) {
        data.set(res.id, {
            id: res.id,
            author_id: ctx.me,
            topic: share.topic,
            depth: share.depth,
            prompt_id: share.promptId || null,
            reveal: share.promptId ? share.reveal : 'now',
            created_at: res.created_at,
            body: res.body,
            responses: [],
        });
        order = [res.id, ...order.filter((id) => id !== res.id)];
        draw();
    }

    return { el, loadFirst, refresh, addMine };
}

function renderShare(ctx, s, { prompts, partnerAnswered, onResponded, onDeleted }) {
    const mine = s.author_id === ctx.me;
    const headId = `share-h-${s.id}`;
    const depth = depthOf(s.depth);
    const prompt = s.prompt_id && prompts ? prompts.get(s.prompt_id) : null;
    const parts = [
        h('h3', { id: headId, tabindex: '-1' }, `${ctx.nameOf(s.author_id)} · ${topicLabel(s.topic)}`),
        h('p', { class: 'share-meta' },
            depth ? `Depth ${depth.n} — ${depth.label.toLowerCase()}` : `Depth ${s.depth}`,
            ' · ',
            h('time', { datetime: s.created_at }, formatDate(s.created_at))),
    ];
    if (s.prompt_id) {
        parts.push(h('p', { class: 'share-prompt' }, prompt ? ['Answer to the prompt: ', h('q', null, prompt.text)] : 'An answer to a prompt'));
    }

    let readable = false;
    if (s.withheld) {
        parts.push(h('div', { class: 'withheld' },
            h('p', null, `${mine ? 'You have' : `${ctx.name} has`} answered this prompt — answer it too to see both.`),
            !mine && ctx.open && s.prompt_id
                ? h('p', null, h('button', { type: 'button', class: 'secondary', onclick: () => ctx.answerPrompt(s.prompt_id) }, 'Answer this prompt'))
                : null));
    } else {
        const opened = openEntry(ctx.acct, ctx.K, { dyadId: ctx.dyadId, entryId: s.id, authorId: s.author_id, kind: 'share' }, s.body);
        readable = opened.ok;
        parts.push(opened.ok ? h('p', { class: 'share-text' }, opened.text) : h('p', { class: 'unreadable' }, UNREADABLE));
        if (mine && opened.ok) parts.push(reshareControl(ctx, { entryId: s.id, kind: 'share', text: opened.text, describedBy: headId }));
        if (mine && s.reveal === 'mutual' && !partnerAnswered) {
            parts.push(h('p', { class: 'hint' }, `Mutual reveal: ${ctx.name} will see this answer once they have answered this prompt too.`));
        }
    }
    if (!mine && s.waiting_for_you) {
        parts.push(h('p', { class: 'waiting-for-you' }, 'Still waiting for a response from you — no rush.'));
    }

    const responses = Array.isArray(s.responses) ? s.responses : [];
    if (responses.length) {
        parts.push(h('ul', { class: 'responses', 'aria-label': 'Responses' },
            responses.map((r) => {
                const words = r.body === null || r.body === undefined ? null
                    : openEntry(ctx.acct, ctx.K, { dyadId: ctx.dyadId, entryId: r.id, authorId: r.author_id, kind: 'response' }, r.body);
                return h('li', { class: 'response' },
                    h('p', { class: 'response-kind' }, h('strong', null, ctx.nameOf(r.author_id)), ` — ${responseLabel(r.kind)}`),
                    words ? words.ok ? h('p', { class: 'response-text' }, words.text) : h('p', { class: 'unreadable' }, UNREADABLE) : null,
                    r.author_id === ctx.me && words && words.ok
                        ? reshareControl(ctx, { entryId: r.id, kind: 'response', text: words.text })
                        : null,
                    r.author_id === ctx.me
                        ? deleteControl(ctx, {
                            what: 'response',
                            consequence: `${ctx.name} will no longer see it. This cannot be undone.`,
                            run: () => deleteResponse(ctx.dyadId, s.id, r.id),
                            done: () => onDeleted(s.id, r.id),
                        })
                        : null);
            })));
    }

    if (!mine && !s.withheld && readable && ctx.open) {
        const already = responses.some((r) => r.author_id === ctx.me);
        const form = responseForm(ctx, s, onResponded);
        if (already) {
            form.hidden = true;
            const again = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false' }, 'Respond again');
            again.addEventListener('click', () => {
                form.hidden = false;
                again.setAttribute('aria-expanded', 'true');
                again.hidden = true;
                form.querySelector('textarea').focus();
            });
            parts.push(h('p', null, again));
        }
        parts.push(form);
    }
    if (mine) {
        parts.push(deleteControl(ctx, {
            what: 'share',
            describedBy: headId,
            consequence: `${ctx.name} will no longer see it${responses.length ? ', and the responses to it go with it' : ''}. ` +
                'This cannot be undone.',
            run: () => deleteShare(ctx.dyadId, s.id),
            done: () => onDeleted(s.id, null),
        }));
    }
    return h('li', { class: `share ${mine ? 'mine' : 'theirs'}`, dataset: { shareId: s.id } },
        h('article', { 'aria-labelledby': headId }, parts));
}

// "Delete" under one's own entry: asks once, in words, then deletes.
function deleteControl(ctx, { what, consequence, run, done, describedBy = null }) {
    const uid = nextId('delete');
    const toggle = h('button', {
        type: 'button', class: 'link delete-toggle', 'aria-expanded': 'false', 'aria-controls': `${uid}-confirm`,
        'aria-describedby': describedBy,
    }, `Delete this ${what}`);
    const msg = messages();
    const yes = h('button', { type: 'button', class: 'danger delete-yes' }, `Yes, delete this ${what}`);
    const no = h('button', { type: 'button', class: 'secondary delete-cancel' }, 'Cancel');
    const confirm = h('div', { class: 'delete-confirm', id: `${uid}-confirm`, role: 'group', 'aria-labelledby': `${uid}-title`, hidden: true },
        h('p', { class: 'delete-title', id: `${uid}-title`, tabindex: '-1' }, h('strong', null, `Delete this ${what}?`)),
        h('p', null, consequence),
        h('div', { class: 'actions' }, yes, no),
        msg.el);
    const setOpen = (open) => {
        confirm.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        msg.clear();
    };
    toggle.addEventListener('click', () => {
        const open = confirm.hidden;
        setOpen(open);
        if (open) confirm.querySelector('.delete-title').focus();
    });
    no.addEventListener('click', () => {
        setOpen(false);
        toggle.focus();
    });
    yes.addEventListener('click', async () => {
        confirm.setAttribute('aria-busy', 'true');
        yes.disabled = true;
        no.disabled = true;
        msg.say('Deleting…');
        try {
            await run();
        } catch (err) {
            confirm.setAttribute('aria-busy', 'false');
            yes.disabled = false;
            no.disabled = false;
            msg.alert(describeError(err));
            yes.focus();
            return;
        }
        confirm.setAttribute('aria-busy', 'false');
        done();
    });
    return h('div', { class: 'delete' }, h('p', { class: 'delete-action' }, toggle), confirm);
}

function responseForm(ctx, s, onResponded) {
    const id = nextId('response-text');
    const textarea = h('textarea', { id, name: 'words', rows: '2', maxlength: MAX_TEXT_CHARS });
    const msg = messages();
    const form = h('form', { class: 'respond', novalidate: true, 'aria-label': `Respond to ${ctx.name}` },
        h('label', { for: id }, 'A few words back (optional)'),
        textarea,
        h('div', { class: 'actions' },
            RESPONSE_KINDS.map((r) => h('button', { type: 'submit', class: 'secondary', value: r.kind }, r.label))),
        msg.el);
    form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const kind = e.submitter && e.submitter.value;
        if (!RESPONSE_KINDS.some((r) => r.kind === kind)) return;
        const words = textarea.value;
        if (textBytes(words) > MAX_TEXT_BYTES) {
            msg.alert('These words are too long to send. Shorten them a little.');
            return;
        }
        setBusy(form, true);
        msg.say('Encrypting and sending…');
        try {
            const res = await postResponse(ctx.acct, ctx.K, ctx.dyadId, s.id, kind, words);
            setBusy(form, false);
            textarea.value = '';
            onResponded(s.id, res);
        } catch (err) {
            setBusy(form, false);
            msg.alert(describeError(err));
            textarea.focus();
        }
    });
    return form;
}

// ---- "Share this with <therapist>" -------------------------------------------

const QUOTE_MAX_CHARS = 600;

function resharedNote(ctx, entryId, { focus = false } = {}) {
    const at = ctx.reshared.get(entryId);
    const note = h('p', { class: 'reshared', tabindex: focus ? '-1' : null },
        `Shared with ${ctx.therapist.display_name} on `, h('time', { datetime: at }, formatDate(at)), '.');
    return note;
}

/** The action under one of one's own entries (null when no therapist is linked). */
function reshareControl(ctx, { entryId, kind, text, describedBy = null }) {
    const t = ctx.therapist;
    if (!t) return null;
    if (ctx.reshared.has(entryId)) return h('div', { class: 'reshare' }, resharedNote(ctx, entryId));
    const name = t.display_name;
    const uid = nextId('reshare');
    const what = kind === 'response' ? 'response' : 'share';
    const toggle = h('button', {
        type: 'button', class: 'link reshare-toggle', 'aria-expanded': 'false', 'aria-controls': `${uid}-confirm`,
        'aria-describedby': describedBy,
    }, `Share this with ${name}`);
    const msg = messages();
    const tooLong = textBytes(text) > RESHARE_MAX_BYTES;
    const yes = h('button', { type: 'button', class: 'reshare-yes' }, `Yes, share it with ${name}`);
    const no = h('button', { type: 'button', class: 'secondary reshare-cancel' }, 'Cancel');
    const confirm = h('div', { class: 'reshare-confirm', id: `${uid}-confirm`, role: 'group', 'aria-labelledby': `${uid}-title`, hidden: true });
    // Filled when opened, emptied when closed: the words are not in the page twice unless asked for.
    const fillConfirm = () => {
        const quote = text.length <= QUOTE_MAX_CHARS
            ? h('blockquote', { class: 'reshare-quote' }, text)
            : h('p', { class: 'reshare-quote-long' }, `The whole of this ${what}, exactly as it reads above (${text.length.toLocaleString('en')} characters).`);
        confirm.replaceChildren(...[
            h('p', { class: 'reshare-title', id: `${uid}-title`, tabindex: '-1' }, h('strong', null, `Share this one ${what} with ${name}?`)),
            h('p', null, `${name} will be able to read this ${what} — these words, that you shared them, and when:`),
            quote,
            h('p', null, `And nothing else: not your other entries, not ${ctx.name}’s words`,
                kind === 'response' ? ' (not even the share this answers)' : ' (not the responses to it)',
                ', not your private notes.'),
            h('p', { class: 'hint' }, `It is sealed on this device to ${name}’s key, so the server cannot read it. ${ctx.name} is not told. ` +
                `Once shared it cannot be taken back; each time ${name} reads it shows in your own “Who looked, and when” in Settings.`),
            tooLong
                ? h('p', { class: 'alert' }, `This ${what} is too long to share with ${name} (about 8,000 characters at most). Tell them about it in a session instead.`)
                : null,
            h('div', { class: 'actions' }, tooLong ? null : yes, no),
            msg.el,
        ].filter(Boolean));
    };
    const box = h('div', { class: 'reshare' }, h('p', { class: 'reshare-action' }, toggle), confirm);

    const setOpen = (open) => {
        if (open) fillConfirm();
        else confirm.replaceChildren();
        confirm.hidden = !open;
        toggle.setAttribute('aria-expanded', String(open));
        msg.clear();
    };
    toggle.addEventListener('click', () => {
        const open = confirm.hidden;
        setOpen(open);
        if (open) confirm.querySelector('.reshare-title').focus();
    });
    no.addEventListener('click', () => {
        setOpen(false);
        toggle.focus();
    });
    yes.addEventListener('click', async () => {
        msg.clear();
        confirm.setAttribute('aria-busy', 'true');
        yes.disabled = true;
        no.disabled = true;
        msg.say('Sealing and sending…');
        let res;
        try {
            res = await reshareEntry(ctx.acct, ctx.dyadId, t, { entryId, kind, text });
        } catch (err) {
            confirm.setAttribute('aria-busy', 'false');
            yes.disabled = false;
            no.disabled = false;
            if (err instanceof ReshareKeyError) {
                msg.alert(`Not shared. The keys the server gave for ${name} do not match their fingerprint, so this device did not seal ` +
                    `anything to them. Someone — possibly whoever runs the server — may be trying to stand in for ${name}. Tell ${name} in person.`);
            } else if (err instanceof ApiError && err.status === 409) {
                msg.alert(`Not shared: ${name} is no longer linked with both of your consent.`);
            } else {
                msg.alert(describeError(err));
            }
            yes.focus();
            return;
        }
        ctx.reshared.set(entryId, res.created_at || new Date().toISOString());
        const note = resharedNote(ctx, entryId, { focus: true });
        note.setAttribute('role', 'status');
        box.replaceChildren(note);
        note.focus();
    });
    return box;
}
