// notices.js — what the home page tells one person about their own account
// and nobody else: a sign-in from a browser this account had not used
// before (a calm notice with a way to act on it), and a therapist's pending
// private check-in for this member (privatecheckin.js).
//
// home.js calls homeSafety() once; it returns a container at once and fills
// it when the answers arrive, so the rest of the page does not wait. When
// there is nothing to say, the container stays empty.

import { api, ApiError, describeError } from './api.js';
import { importChecked } from './lazy.js';
import { applyTitle } from './title.js';
import { h, messages, formatDate } from './ui.js';

// account.js and privatecheckin.js are loaded only once someone is signed in
// and this part of the home page is shown (lazy.js): the first page a visitor
// sees does not need them.
const account = () => importChecked('./account.js', import.meta.url);

function noticeItem(n, onGone, { describeBrowser, noticeEnded }) {
    const browser = describeBrowser(n.user_agent);
    const msg = messages();
    const id = `notice-${n.id}`;
    const dismiss = h('button', { type: 'button', class: 'secondary', 'aria-describedby': `${id}-text` }, 'Dismiss');
    const li = h('li', { class: 'account-notice', id },
        h('p', { id: `${id}-text` },
            `Someone signed in to your account from a new browser (${browser}) on ${formatDate(n.created_at)}. ` +
            'If that wasn’t you, change your password and end that session in Settings.'),
        h('p', { class: 'actions' },
            h('a', { href: '/settings#sessions' }, 'See where you are signed in'),
            dismiss),
        msg.el);
    dismiss.addEventListener('click', async () => {
        dismiss.disabled = true;
        try {
            await api('DELETE', `/me/notices/${encodeURIComponent(n.id)}`);
        } catch (err) {
            if (noticeEnded(err)) return;
            if (!(err instanceof ApiError && err.status === 404)) {
                dismiss.disabled = false;
                msg.alert(describeError(err));
                return;
            }
        }
        li.remove();
        onGone();
    });
    return li;
}

async function showNotices(env, box) {
    let me;
    try {
        me = await api('GET', '/me', undefined, { signal: env.signal });
    } catch (err) {
        if (env.signal.aborted) return;
        (await account()).noticeEnded(err);
        return;
    }
    const notices = (me && Array.isArray(me.notices) ? me.notices : []).filter((n) => n && n.kind === 'new_browser');
    if (!notices.length) return;
    const helpers = await account();
    const list = h('ul', { class: 'notice-list' });
    const status = h('p', { class: 'status', role: 'status' });
    const section = h('section', { class: 'card account-notices', id: 'account-notices', 'aria-labelledby': 'account-notices-heading' },
        h('h2', { id: 'account-notices-heading' }, 'About your account'),
        list, status);
    const gone = () => {
        if (list.children.length) return;
        section.replaceChildren(status);
        status.textContent = 'Dismissed.';
        section.removeAttribute('aria-labelledby');
        section.className = 'account-notices-done';
    };
    for (const n of notices) list.append(noticeItem(n, gone, helpers));
    box.prepend(section);
}

/**
 * The home page's safety part: new-browser notices and pending private
 * check-ins. Also applies this browser's choice of tab title.
 */
export function homeSafety(env, acct) {
    applyTitle();
    const box = h('div', { class: 'home-safety', id: 'home-safety' });
    const checkins = h('div', { class: 'home-private' });
    box.append(checkins);
    const failed = (err) => {
        if (!env.signal.aborted) checkins.replaceChildren(h('p', { role: 'alert' }, describeError(err)));
    };
    showNotices(env, box).catch(failed);
    importChecked('./privatecheckin.js', import.meta.url)
        .then(({ showPending }) => showPending(env, acct, checkins))
        .catch(failed);
    return box;
}
