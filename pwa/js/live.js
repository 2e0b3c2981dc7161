// Live updates: the Server-Sent Events stream /api/v1/live (EventSource reconnects by itself);
// while it is refused or missing, poll every 30 s instead, as long as the screen is visible.
const EVENT_TYPES = ["alert.created", "alert.updated", "moderation.changed"];
const POLL_MS = 30000;
const FIRST_RETRY_MS = 60000;
const MAX_RETRY_MS = 600000;

/**
 * watchLive({onEvent(type, data), refresh(), types}): onEvent for each event of `types` (default:
 * alerts and moderation); refresh() when polling, and each time the stream says `ready`: the server
 * sends it once Valkey has confirmed the stream's subscriptions, so from then on nothing is missed,
 * but what happened before may have been — between the screen's own read and the subscription (the
 * first time), or during a cut (each reconnection). A refresh must leave the screen as it is when
 * nothing changed (no duplicate, no lost focus, no lost typing). Returns the stop function.
 */
export function watchLive({ onEvent, refresh, types = EVENT_TYPES }) {
  let source = null;
  let pollTimer = null;
  let retryTimer = null;
  let retryDelay = FIRST_RETRY_MS;
  let stopped = false;

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(() => document.visibilityState === "visible" && refresh(), POLL_MS);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function connect() {
    if (stopped) return;
    if (typeof EventSource === "undefined") {
      startPolling();
      return;
    }
    source = new EventSource("/api/v1/live");
    source.addEventListener("ready", () => {
      stopPolling();
      retryDelay = FIRST_RETRY_MS;
      refresh(); // catch up on what the stream may have missed before it was ready
    });
    for (const type of types) {
      source.addEventListener(type, (event) => {
        let data = null;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        if (data && typeof data === "object") onEvent(type, data);
      });
    }
    source.onerror = () => {
      // CONNECTING: the browser retries by itself. CLOSED: refused (404, 401): poll, retry later.
      if (source.readyState !== EventSource.CLOSED) return;
      source = null;
      startPolling();
      retryTimer = setTimeout(connect, retryDelay);
      retryDelay = Math.min(retryDelay * 2, MAX_RETRY_MS);
    };
  }

  const onVisible = () => {
    if (document.visibilityState === "visible" && pollTimer) refresh();
  };
  document.addEventListener("visibilitychange", onVisible);
  connect();
  return () => {
    stopped = true;
    if (source) source.close();
    stopPolling();
    clearTimeout(retryTimer);
    document.removeEventListener("visibilitychange", onVisible);
  };
}
