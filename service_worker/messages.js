// Messages from the pages: {type: "SKIP_WAITING"} and {type: "PURGE"}.
import { purgeApiCache } from "./strategies.js";

function reply(event, message) {
  if (event.ports && event.ports[0]) event.ports[0].postMessage(message);
  else if (event.source) event.source.postMessage(message);
}

/** message listener body; answers PURGE with {type: "PURGED"} once the API cache is gone. */
export async function handleMessage(event) {
  const type = event.data && event.data.type;
  if (type === "SKIP_WAITING") {
    await self.skipWaiting();
  } else if (type === "PURGE") {
    await purgeApiCache();
    reply(event, { type: "PURGED" });
  }
}
