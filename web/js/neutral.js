// neutral.js — the neutral page's only script (/static/neutral.html), after
// a quick exit: it fills this tab's history with copies of the neutral page
// so that Back, pressed again and again, stays on it instead of walking back
// through dyad's pages; then, when the operator set an outside address
// (quickexit.js left it in this tab's storage), it goes on there. Nothing of
// dyad is named here, and nothing is kept.

const COPIES = 12;
const EXIT_TO = 'dyad.exit-to';

let outside = null;
try {
    outside = sessionStorage.getItem(EXIT_TO);
    sessionStorage.removeItem(EXIT_TO);
} catch {
    outside = null;
}
// Only right after a quick exit (or on a fresh visit with a short history)
// is the history filled; a neutral page reached by Back itself is left be.
if (!(history.state && history.state.neutral)) {
    for (let i = 1; i <= COPIES; i++) history.pushState({ neutral: i }, '', location.pathname);
}
if (outside && /^https?:\/\//.test(outside)) location.replace(outside);
