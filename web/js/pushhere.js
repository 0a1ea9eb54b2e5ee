// pushhere.js — ends this browser's push subscription in the browser itself
// (PushSubscription.unsubscribe), so its push service refuses anything sent
// to it afterwards. The server removes its own record of the subscription
// on sign-out, quick exit, "forget this device", five wrong PINs and
// erasure (docs/security.md#push-subscriptions-end-with-their-browser);
// this is the browser's half.
//
// No imports, so quick exit can call it without loading anything.

/** This browser's subscription, or null; never throws. */
export async function pushSubscriptionHere() {
    try {
        if (!('serviceWorker' in navigator) || !('PushManager' in window)) return null;
        const reg = await navigator.serviceWorker.getRegistration('/');
        return reg ? await reg.pushManager.getSubscription() : null;
    } catch {
        return null;
    }
}

/** Unsubscribes this browser; → the endpoint it had, or null. Never throws. */
export async function dropPushHere() {
    const sub = await pushSubscriptionHere();
    if (!sub) return null;
    const { endpoint } = sub;
    try {
        await sub.unsubscribe();
    } catch {
        // the push service may be unreachable; the server side is gone anyway
    }
    return endpoint;
}
