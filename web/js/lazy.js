// lazy.js — a module the page does not preload, imported when it is needed
// (the password-recovery form, the home page's account notices and private
// check-ins: none of them is on the first page a visitor sees), with its
// integrity still checked.
//
// The page lists the integrity values of every module it may import this way,
// and of the modules those import that it did not preload, in
// <meta name="dyad-lazy"> (tools/preloads.mjs works the lists out at build
// time). The first such import preloads them all with those values, so the
// module map holds checked copies and the import() below uses them: a changed
// file fails to load rather than run.

let ready = null;

function preloadLazy() {
    const metas = [...document.querySelectorAll('meta[name="dyad-lazy"][data-href]')];
    return Promise.all(metas.map((m) => new Promise((resolve, reject) => {
        const link = document.createElement('link');
        link.rel = 'modulepreload';
        link.href = m.dataset.href;
        link.integrity = m.content;
        link.addEventListener('load', resolve);
        link.addEventListener('error', () => reject(new Error(`Could not load ${m.dataset.href} intact.`)));
        document.head.append(link);
    })));
}

/**
 * import() of `specifier` relative to `base` (the caller's import.meta.url),
 * after the checked preloads. tools/preloads.mjs reads these calls, so the
 * specifier must be a relative path written as a string literal, and base
 * import.meta.url.
 */
export async function importChecked(specifier, base) {
    if (!ready) {
        ready = preloadLazy();
        ready.catch(() => {
            ready = null;
        });
    }
    await ready;
    return import(new URL(specifier, base).pathname);
}
