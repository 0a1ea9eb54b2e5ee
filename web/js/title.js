// title.js — a discreet tab title: this browser can show "Notes" and a
// neutral icon instead of "dyad", for someone who shares a screen or a
// device. Stored in this browser only.

export const NEUTRAL_KEY = 'dyad.neutralTitle';
export const NEUTRAL_TITLE = 'Notes';
const NEUTRAL_ICON = '/static/neutral-icon.svg';

/** Whether this browser shows the neutral title ("Notes") instead of "dyad". */
export function neutralTitle() {
    try {
        return localStorage.getItem(NEUTRAL_KEY) === '1';
    } catch {
        return false;
    }
}

/**
 * Sets the tab title (and icon) this browser is to show. Called by every
 * page that renders (app.js may call it once at boot; the home and settings
 * pages call it too).
 */
export function applyTitle() {
    const neutral = neutralTitle();
    document.title = neutral ? NEUTRAL_TITLE : 'dyad';
    const icon = document.querySelector('link[rel~="icon"]');
    if (icon) {
        if (!icon.dataset.ownHref) icon.dataset.ownHref = icon.getAttribute('href') || '';
        icon.setAttribute('href', neutral ? NEUTRAL_ICON : icon.dataset.ownHref);
    }
}

export function setNeutralTitle(on) {
    try {
        if (on) localStorage.setItem(NEUTRAL_KEY, '1');
        else localStorage.removeItem(NEUTRAL_KEY);
    } catch {
        // storage blocked: the title still changes for this page
    }
    applyTitle();
}
