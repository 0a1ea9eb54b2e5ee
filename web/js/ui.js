// ui.js — small DOM helpers shared by the pages: an element builder, labelled
// form fields with their error text, status and alert regions, busy buttons.
// The CSP forbids inline styles and handlers, so everything here works with
// classes, attributes and addEventListener.

let uid = 0;
export function nextId(prefix = 'f') {
    uid += 1;
    return `${prefix}-${uid}`;
}

/**
 * h('p', { class: 'x', onclick: fn }, 'text', child) → element.
 * Props: `class`, `text`, `on<event>` (listener), `dataset`, boolean true sets
 * an empty attribute, false/null/undefined are skipped; anything else becomes
 * an attribute. Children: nodes or strings (never parsed as HTML).
 */
export function h(tag, props, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k === 'dataset') Object.assign(el.dataset, v);
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
    }
    append(el, children);
    return el;
}

function append(el, children) {
    for (const c of children.flat(Infinity)) {
        if (c === null || c === undefined || c === false) continue;
        el.append(c instanceof Node ? c : String(c));
    }
}

/**
 * A labelled input with a hint and an error line, wired with
 * aria-describedby. Returns { row, input, setError(msg) }.
 */
export function field({ label, name, type = 'text', hint, autocomplete, required = true, ...attrs }) {
    const id = nextId(name);
    const hintId = hint ? `${id}-hint` : null;
    const errId = `${id}-error`;
    const input = h('input', {
        id,
        name,
        type,
        autocomplete,
        required,
        'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
        ...attrs,
    });
    const error = h('p', { id: errId, class: 'field-error', hidden: true });
    const row = h('div', { class: 'field' },
        h('label', { for: id }, label),
        hint ? h('p', { id: hintId, class: 'hint' }, hint) : null,
        input,
        error);
    function setError(msg) {
        if (msg) {
            error.textContent = msg;
            error.hidden = false;
            input.setAttribute('aria-invalid', 'true');
        } else {
            error.textContent = '';
            error.hidden = true;
            input.removeAttribute('aria-invalid');
        }
    }
    input.addEventListener('input', () => setError(null));
    return { row, input, setError };
}

/**
 * A pair of live regions for a view: `say(text)` for progress (polite status),
 * `alert(text)` for errors (role=alert). Returns { el, say, alert, clear }.
 */
export function messages() {
    // Both regions stay in the page while empty: a live region that appears
    // only when it gets text is not reliably announced.
    const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
    const alertEl = h('p', { class: 'alert', role: 'alert' });
    const el = h('div', { class: 'messages' }, status, alertEl);
    return {
        el,
        say(text) {
            status.textContent = text || '';
            if (text) alertEl.textContent = '';
        },
        alert(text) {
            status.textContent = '';
            alertEl.textContent = text || '';
        },
        clear() {
            status.textContent = '';
            alertEl.textContent = '';
        },
    };
}

/** Disables every control of a form while work runs; marks it aria-busy. */
export function setBusy(form, busy) {
    form.setAttribute('aria-busy', busy ? 'true' : 'false');
    for (const el of form.querySelectorAll('button, input, select, textarea')) {
        if (busy) {
            if (!el.disabled) el.dataset.busyDisabled = '1';
            el.disabled = true;
        } else if (el.dataset.busyDisabled) {
            el.disabled = false;
            delete el.dataset.busyDisabled;
        }
    }
}

/** Replaces a container's content and moves focus to its first heading. */
export function show(container, ...children) {
    container.replaceChildren();
    append(container, children);
    const heading = container.querySelector('h1, h2');
    if (heading) {
        heading.setAttribute('tabindex', '-1');
        heading.focus({ preventScroll: false });
    }
}

/** Moves focus to the first heading in `root` when focus was lost (after a form was replaced). */
export function focusHeading(root) {
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    const heading = root.querySelector('h1, h2');
    if (!heading) return;
    heading.setAttribute('tabindex', '-1');
    heading.focus();
}

/** A button that copies `getText()` and says so in its own live region. */
export function copyButton(getText, label = 'Copy') {
    const note = h('span', { class: 'copy-note', role: 'status', 'aria-live': 'polite' });
    const button = h('button', {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
            try {
                await navigator.clipboard.writeText(getText());
                note.textContent = 'Copied.';
            } catch {
                note.textContent = 'Copying is blocked here: select the text and copy it yourself.';
            }
        },
    }, label);
    return h('span', { class: 'copy' }, button, ' ', note);
}

/** The invite link of a dyad still waiting for its second member, with what to know about it. */
export function inviteBlock(dyadId, link, expiresAt) {
    const id = `invite-link-${dyadId}`;
    const input = h('input', { id, class: 'invite-link', type: 'text', readonly: true, value: link, spellcheck: 'false' });
    input.addEventListener('focus', () => input.select());
    return h('div', { class: 'invite' },
        h('label', { for: id }, 'Invite link'),
        input,
        copyButton(() => link, 'Copy link'),
        h('p', { class: 'hint' },
            'Send it to the one person you want to pair with, where only they will see it. ' +
            'The part after # is a secret: it stays in your two browsers and never reaches the server, ' +
            'and it lets each of your devices check the other’s keys. '),
        h('p', { class: 'hint' }, expiresAt
            ? `The link works once and expires on ${formatDate(expiresAt)} (7 days after you made it).`
            : 'The link works once and expires 7 days after you made it.'));
}


// How one member is named to the other when no name is at hand, by the
// dyad's kind: friends and family never read "partner" (src/core/kind.c
// chooses the same words on the server).
const OTHER_WORDS = { couple: 'your partner', friends: 'your friend', family: 'your family member' };

/** "your partner" / "your friend" / "your family member"; "the other person" for an unknown kind. */
export function otherWords(kind) {
    return OTHER_WORDS[kind] || 'the other person';
}

/** The same words at the start of a sentence. */
export function capitalise(s) {
    return s ? s[0].toUpperCase() + s.slice(1) : s;
}

export function formatDate(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * What is new to read in a dyad, for its reader only (GET /dyads/{id}'s
 * `unread`: their own "seen up to" marker, never told to the other): a
 * link to the shares, or null when nothing is new.
 */
export function unreadNote(dyad, name) {
    const u = dyad.unread;
    if (!u || u.shares + u.responses === 0) return null;
    const parts = [];
    if (u.shares) parts.push(u.shares === 1 ? '1 share' : `${u.shares} shares`);
    if (u.responses) parts.push(u.responses === 1 ? '1 response' : `${u.responses} responses`);
    return h('p', { class: 'unread-note' },
        h('a', { href: `/dyads/${encodeURIComponent(dyad.id)}/shares` }, `New from ${name}: ${parts.join(' and ')}`));
}

/**
 * A therapist link the other member agreed to, waiting for this member's
 * own consent (GET /dyads/{id}'s `therapist_waiting_for_me`), or null.
 */
export function therapistWaitingNote(dyad, name) {
    if (!dyad.therapist_waiting_for_me) return null;
    return h('p', { class: 'notice therapist-waiting', role: 'note' },
        `${name} asked to link a therapist. Nothing is shared with them unless you agree too. `,
        h('a', { href: `/settings#therapist-${encodeURIComponent(dyad.id)}` }, 'See who it is and decide'));
}
