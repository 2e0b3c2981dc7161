// The app's IndexedDB database "vigie", shared by the service worker and the pages (both
// import this module): the outbox of requests waiting for the network, and small facts the
// worker needs without a page (the CSRF token, this device's push subscription id and label).
// Logout deletes the whole database (wipeDatabase).

const DB_NAME = "vigie";
const DB_VERSION = 2;
/** Requests written while offline, keyed by `id` (the idempotency key). */
export const OUTBOX = "outbox";
/** Key/value facts: "csrf", "deviceLabel", "pushSubscriptionId". */
export const META = "meta";
/** Delivery ids of the pushes shown on this device ({id, at}), the last SHOWN_KEPT of them. */
export const SHOWN = "shown";
const SHOWN_KEPT = 500;

let opening = null;

function promised(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The open database (one connection per page or worker, reopened after a wipe). */
export function openDatabase() {
  if (!opening) {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: "id" });
      if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
      if (!db.objectStoreNames.contains(SHOWN)) db.createObjectStore(SHOWN, { keyPath: "id" }).createIndex("at", "at");
    };
    opening = promised(request).then((db) => {
      // Another page or the worker deletes the database (logout): let it, reopen later.
      db.onversionchange = () => {
        db.close();
        opening = null;
      };
      return db;
    });
    opening.catch(() => {
      opening = null;
    });
  }
  return opening;
}

/** Run fn(store) in a transaction; resolves with fn's request result once committed. */
async function withStore(name, mode, fn) {
  const db = await openDatabase();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = fn(tx.objectStore(name));
    tx.oncomplete = () => resolve(request ? request.result : undefined);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

export function getAll(store) {
  return withStore(store, "readonly", (s) => s.getAll());
}

export function getOne(store, key) {
  return withStore(store, "readonly", (s) => s.get(key));
}

/** Store `value` (under `key` for stores without a key path). */
export function putOne(store, value, key) {
  return withStore(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
}

export function deleteOne(store, key) {
  return withStore(store, "readwrite", (s) => s.delete(key));
}

export function getMeta(key) {
  return getOne(META, key).catch(() => undefined);
}

export function setMeta(key, value) {
  return putOne(META, value, key);
}

/**
 * Remember that the push of delivery `id` is shown here: true the first time, false for a
 * repeat (the server sent it again after a worker died). One readwrite transaction: two
 * copies handled at once cannot both be first. Keeps the last SHOWN_KEPT ids.
 */
export async function firstShowing(id) {
  const db = await openDatabase();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(SHOWN, "readwrite");
    const store = tx.objectStore(SHOWN);
    let first = true;
    const added = store.add({ id: String(id), at: Date.now() });
    added.onerror = (event) => {
      if (added.error && added.error.name === "ConstraintError") {
        first = false;
        event.preventDefault(); // a repeat is an answer, not a failed transaction:
        event.stopPropagation(); // neither abort it nor reach tx.onerror
      }
    };
    added.onsuccess = () => {
      const counted = store.count();
      counted.onsuccess = () => {
        let extra = counted.result - SHOWN_KEPT;
        if (extra <= 0) return;
        store.index("at").openCursor().onsuccess = (step) => {
          const oldest = step.target.result;
          if (oldest && extra-- > 0) {
            oldest.delete();
            oldest.continue();
          }
        };
      };
    };
    tx.oncomplete = () => resolve(first);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("transaction aborted"));
  });
}

/** Delete the database and everything in it (logout); other connections close themselves. */
export async function wipeDatabase() {
  if (opening) {
    const db = await opening.catch(() => null);
    if (db) db.close();
    opening = null;
  }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = () => resolve(true);
    request.onerror = () => resolve(false);
    // Still blocked by a connection that ignores versionchange: it completes once that closes.
    request.onblocked = () => undefined;
  });
}
