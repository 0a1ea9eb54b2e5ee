// sodium.js — loads libsodium (about 1.3 MB) only when a page needs
// cryptography, once per page load, and hands out the crypto.js helpers.

let loading = null;

/** → Promise<{ sodium, c }> where c = createCrypto(sodium). */
export function loadCrypto() {
    if (!loading) {
        loading = (async () => {
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
