// The page's API client: the admin token from sessionStorage, 401 as "needs the token", errors naming the field.
const KEY = 'rim.adminToken';
export const token = {
  get: () => sessionStorage.getItem(KEY) || '',
  set: (t) => (t ? sessionStorage.setItem(KEY, t) : sessionStorage.removeItem(KEY)),
};

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || 'HTTP ' + status);
    this.status = status;
    this.code = e.code;
    this.field = e.field;
  }
}

const headers = (extra) => {
  const h = { accept: 'application/json', ...extra };
  if (token.get()) h.authorization = 'Bearer ' + token.get();
  return h;
};

export async function get(path) {
  const r = await fetch(path, { headers: headers() });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

export async function send(method, path, data) {
  const r = await fetch(path, {
    method,
    headers: headers({ 'content-type': 'application/json' }),
    body: data === undefined ? undefined : JSON.stringify(data),
  });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

/**
 * Server-sent events over fetch, so that the token can travel in a header when reads are closed.
 * Calls onEvent(type, data) per event and onState('live' | 'reconnecting'); reconnects after 2 s.
 */
export function stream(path, onEvent, onState) {
  let stopped = false;
  const run = async () => {
    while (!stopped) {
      try {
        const r = await fetch(path, { headers: headers({ accept: 'text/event-stream' }) });
        if (!r.ok || !r.body) throw new ApiError(r.status, null);
        onState('live');
        const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const type = /^event: (.*)$/m.exec(block);
            const data = /^data: (.*)$/m.exec(block);
            if (type && data) onEvent(type[1], JSON.parse(data[1]));
          }
        }
      } catch (e) {
        onState(e instanceof ApiError && e.status === 401 ? 'needs token' : 'reconnecting');
      }
      onState('reconnecting');
      await new Promise((res) => setTimeout(res, 2000));
    }
  };
  run();
  return {
    restart: () => {},
    stop: () => {
      stopped = true;
    },
  };
}
