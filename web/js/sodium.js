// sodium.js — loads libsodium (about 560 KB, 190 KB gzipped) only when a page needs
// cryptography, once per page load, and hands out the crypto.js helpers.

let loading = null;

// The page lists these modules' integrity values in <meta name="dyad-sri">
// rather than preloading them (they are large and not every visit needs
// them). Preloading them here with those values puts checked copies in the
// module map, so the import() below uses them and a changed file fails.
function preloadChecked() {
    const metas = [...document.querySelectorAll('meta[name="dyad-sri"][data-href]')];
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

/** → Promise<{ sodium, c }> where c = createCrypto(sodium). */
export function loadCrypto() {
    if (!loading) {
        loading = (async () => {
            await preloadChecked();
            const [{ default: sodium }, { createCrypto }] = await Promise.all([
                import('../vendor/libsodium-wrappers.mjs'),
                import('./crypto.js'),
            ]);
            await sodium.ready;
            return { sodium, c: createCrypto(sodium) };
        })();
        loading.catch(() => {
            loading = null;
        });
    }
    return loading;
}
