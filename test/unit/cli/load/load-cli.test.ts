/**
 * `rim load`'s bad input, from the real command (a child process) against a
 * fake box that counts the frames it gets: an unknown deployment (exit 1,
 * nothing sent), a rate of 0 or below (usage, exit 2), a rate above the
 * admitted one (a warning, then the run), a box that disappears mid-run
 * (a clear message and the counts so far, exit 1).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

function rim(args: string[], url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, RIM_URL: url, RIM_ADMIN_TOKEN: 'test-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A box with deployment `cam` (5 fps, 200 ms); `dieAfter` frames, it closes every connection and stops listening. */
function fakeBox(dieAfter = Infinity) {
  const box = { frames: 0, server: undefined as unknown as Server, url: '' };
  box.server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/deployments/cam') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ name: 'cam', fps: 5, latencyMs: 200, state: 'admitted' }));
      } else if (req.method === 'POST' && req.url === '/v1/deployments/cam/frames') {
        box.frames++;
        if (box.frames > dieAfter) {
          box.server.close();
          box.server.closeAllConnections();
          return;
        }
        res.statusCode = box.frames % 3 === 0 ? 429 : 200;
        res.end('{}');
      } else {
        res.statusCode = 404;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ error: { code: 'not-found', message: 'deployment "ghost" does not exist' } }));
      }
    });
  });
  return box;
}

async function listen(box: ReturnType<typeof fakeBox>) {
  await new Promise<void>((r) => box.server.listen(0, '127.0.0.1', r));
  box.url = `http://127.0.0.1:${(box.server.address() as AddressInfo).port}`;
  return box;
}

describe('rim load: bad input', { timeout: 60_000 }, () => {
  let box: ReturnType<typeof fakeBox>;
  before(async () => {
    box = await listen(fakeBox());
  });
  after(() => {
    box.server.close();
    box.server.closeAllConnections();
  });

  it('an unknown deployment: exit 1, a clear message, nothing sent', async () => {
    const r = await rim(['load', 'ghost', '--fps', '5', '--duration', '1'], box.url);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /deployment "ghost" does not exist.*nothing sent/);
    assert.equal(box.frames, 0);
  });

  it('a rate of 0 or below, or no duration: usage error, exit 2, nothing sent', async () => {
    for (const args of [
      ['--fps', '0', '--duration', '1'],
      ['--fps', '-3', '--duration', '1'],
      ['--fps', '5', '--duration', '0'],
      ['--fps', '5'],
      ['--fps', '5', '--duration', '99999'],
    ]) {
      const r = await rim(['load', 'cam', ...args], box.url);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^error: .*\(see --help\)\n$/);
    }
    assert.equal(box.frames, 0);
  });

  it('above the admitted rate: warns of 429s for the excess, sends, counts the answers', async () => {
    const r = await rim(['load', 'cam', '--fps', '20', '--duration', '0.5', '--json'], box.url);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /warning: 20 fps is above the 5 fps admitted for cam: the excess will be refused with 429/);
    const s = JSON.parse(r.stdout);
    assert.equal(s.sent, 10);
    assert.equal(box.frames, 10);
    assert.equal(s.rateLimited, 3);
    assert.equal(s.inTime + s.late, 7);
    assert.equal(typeof s.latencyMs.p99, 'number');
  });
});

describe('rim load: the box disappears mid-run', { timeout: 60_000 }, () => {
  it('stops with a clear message and what it counted so far', async () => {
    const box = await listen(fakeBox(4));
    try {
      const r = await rim(['load', 'cam', '--fps', '10', '--duration', '3'], box.url);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /stopped answering.*stopped after \d+ frames/);
      assert.match(r.stdout, /sent\s+\d+/);
      assert.ok(box.frames >= 5 && box.frames < 30, `${box.frames} frames reached the box`);
    } finally {
      box.server.close();
      box.server.closeAllConnections();
    }
  });
});
