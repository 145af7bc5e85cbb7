import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { errorHandler } from '../../../src/api/error-handler.js';
import { createLogger } from '../../../src/log.js';
import { profilerRoutes, type ProfileRefresher } from '../../../src/profiler/profiler-routes.js';
import type { RefreshOptions } from '../../../src/profiler/profiler-service.js';

async function serve(refresher: ProfileRefresher): Promise<{ url: string; close: () => void }> {
  const app = express();
  app.use(express.json());
  app.use(profilerRoutes(refresher));
  app.use(errorHandler(createLogger({ level: 'silent' })));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

test("POST /v1/profiles/refresh starts a refresh, answers 202 with what is due; names a bad body's field", async () => {
  const asked: RefreshOptions[] = [];
  const srv = await serve({
    requestRefresh: async (o = {}) => {
      asked.push(o);
      return { accepted: true, due: [{ profile: 'synth/detect/default@emu', why: 'forced' }] };
    },
    status: () => ({ enabled: true, schedule: '0 3 * * *', running: false, queued: 0, tasks: [] }),
  });
  try {
    const ok = await fetch(`${srv.url}/v1/profiles/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apps: ['synth'] }),
    });
    assert.equal(ok.status, 202);
    assert.deepEqual(await ok.json(), {
      accepted: true,
      due: [{ profile: 'synth/detect/default@emu', why: 'forced' }],
    });
    assert.deepEqual(asked, [{ force: true, apps: ['synth'] }]);
    const bad = await fetch(`${srv.url}/v1/profiles/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ apps: 'synth' }),
    });
    assert.equal(bad.status, 400);
    const err = (await bad.json()) as { error: { code: string; message: string } };
    assert.equal(err.error.code, 'invalid');
    assert.match(err.error.message, /apps/);
    const status = await fetch(`${srv.url}/v1/profiles/status`);
    assert.deepEqual(await status.json(), {
      enabled: true,
      schedule: '0 3 * * *',
      running: false,
      queued: 0,
      tasks: [],
    });
  } finally {
    srv.close();
  }
});
