// The wall's SignalR connection: reconnects on its own, re-subscribes after every reconnect (the server answers a
// Subscribe with a fresh snapshot), and after a close keeps trying to start again for as long as the page is open.
const HUB_URL = "/hubs/wall";
const RECONNECT_DELAYS = [0, 1000, 2000, 5000, 10000, 10000, 10000];
const RESTART_DELAY_MS = 10000;

/**
 * @param {{ topic: string, handlers: Record<string, (payload: any) => void>, onState: (state: string) => void }} o
 * states: "connecting", "connected", "reconnecting", "disconnected".
 */
export function connectWall({ topic, handlers, onState }) {
  const signalR = globalThis.signalR;
  if (!signalR) { onState("disconnected"); return null; }
  const token = new URLSearchParams(location.search).get("token");
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(HUB_URL, token ? { accessTokenFactory: () => token } : {})
    .withAutomaticReconnect(RECONNECT_DELAYS)
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  // A wall runs for days; the server's keep-alive is every 15 s, so tolerate a couple of missed ones.
  connection.serverTimeoutInMilliseconds = 60000;

  for (const [name, handler] of Object.entries(handlers)) {
    connection.on(name, (payload) => {
      try { handler(payload); } catch (err) { console.error(`wall: ${name} handler failed`, err); }
    });
  }

  let restartTimer = null;
  let starting = false;

  function scheduleStart(delay) {
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => start(false), delay);
  }

  async function subscribe() {
    await connection.invoke("Subscribe", topic);
  }

  async function start(initial) {
    // One start at a time: a failed Subscribe stops the connection, whose onclose must not start a second one.
    if (starting || connection.state !== signalR.HubConnectionState.Disconnected) return;
    starting = true;
    // After a close the pill stays at "disconnected" during silent retries instead of flickering every 10 s.
    if (initial) onState("connecting");
    try {
      await connection.start();
      await subscribe();
      onState("connected");
    } catch (err) {
      console.warn("wall: connection failed, retrying", err);
      // Connected but Subscribe failed: drop the connection so that the retry starts clean.
      if (connection.state !== signalR.HubConnectionState.Disconnected) await connection.stop().catch(() => {});
      onState(initial ? "connecting" : "disconnected");
      scheduleStart(initial ? 2000 : RESTART_DELAY_MS);
    } finally {
      starting = false;
    }
  }

  connection.onreconnecting(() => onState("reconnecting"));
  connection.onreconnected(async () => {
    try {
      await subscribe();
      onState("connected");
    } catch (err) {
      console.warn("wall: re-subscribe failed", err);
      await connection.stop().catch(() => {});
    }
  });
  // Automatic reconnect gave up (or the server closed the connection): keep trying for as long as the page is open.
  connection.onclose(() => {
    onState("disconnected");
    if (!starting) scheduleStart(RESTART_DELAY_MS);
  });

  start(true);
  return connection;
}
