import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SystemInventory, parseNvidiaSmi } from '../../../src/adapters/inventory.js';
import { toErrorResponse } from '../../../src/http/error-response.js';
import {
  ConflictError,
  DockerUnavailableError,
  ForbiddenManifestError,
  NotFoundError,
  RimError,
  TooManyRequestsError,
  TokenRejectedError,
  UnauthorizedError,
  UnavailableError,
  ValidationError,
} from '../../../src/domain/errors.js';

describe('error handler mapping', () => {
  it('maps each RimError to its status and code, with the field when known', () => {
    const cases: [unknown, number, string][] = [
      [new ValidationError('bad', 'fps'), 400, 'invalid'],
      [new ForbiddenManifestError('no', 'modules[0].privileged'), 400, 'manifest-forbidden'],
      [new UnauthorizedError('who'), 401, 'unauthorized'],
      [new TokenRejectedError('not yours'), 401, 'token-rejected'],
      [new NotFoundError('gone'), 404, 'not-found'],
      [new ConflictError('clash'), 409, 'conflict'],
      [new TooManyRequestsError('slow down', 2), 429, 'rate-limited'],
      [new UnavailableError('down'), 503, 'unavailable'],
      [new DockerUnavailableError('no docker'), 503, 'docker-unreachable'],
      [new RimError('oops'), 500, 'internal'],
    ];
    for (const [err, status, code] of cases) {
      const r = toErrorResponse(err);
      assert.equal(r.status, status, code);
      assert.equal(r.body.error.code, code);
      assert.equal(r.body.error.message, (err as Error).message);
    }
    assert.equal(toErrorResponse(new ValidationError('bad', 'fps')).body.error.field, 'fps');
  });

  it('maps body-parser errors and hides unknown errors', () => {
    assert.equal(
      toErrorResponse(Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed', status: 400 })).body.error
        .code,
      'invalid-json',
    );
    assert.equal(toErrorResponse(Object.assign(new Error('x'), { type: 'entity.too.large', status: 413 })).status, 413);
    const r = toErrorResponse(new TypeError('secret internals'));
    assert.equal(r.status, 500);
    assert.doesNotMatch(r.body.error.message, /secret/);
  });
});

describe('inventory', () => {
  it('parses nvidia-smi CSV', () => {
    assert.deepEqual(parseNvidiaSmi('0, GPU-aaa, NVIDIA H200, 143771\n1, GPU-bbb, Tesla T4, 15360\n'), [
      { index: 0, uuid: 'GPU-aaa', name: 'NVIDIA H200', memoryMB: 143771 },
      { index: 1, uuid: 'GPU-bbb', name: 'Tesla T4', memoryMB: 15360 },
    ]);
  });

  it('lists GPUs then emulated accelerators, takes their cores off the node, and measures once', async () => {
    let probes = 0;
    const inv = new SystemInventory({
      nodeId: 'n1',
      detectGpus: true,
      emulate: [
        { model: 'RTX 2080 Ti', cpus: 1, cpuset: '0' },
        { model: 'T4', cpus: 0.5, memoryMB: 2048 },
      ],
      probeHost: async () => {
        probes++;
        return { cpus: 8, memoryMB: 16000 };
      },
      probeGpus: async () => [{ index: 0, name: 'H200', memoryMB: 143771 }],
    });
    const a = await inv.get();
    await inv.get();
    assert.equal(probes, 1);
    assert.equal(a.cpus, 6.5);
    assert.deepEqual(a.accelerators, [
      { id: 'gpu0', model: 'H200', memoryMB: 143771 },
      { id: 'emu0', model: 'RTX 2080 Ti', memoryMB: 4096, emulated: true, cpus: 1, cpuset: '0' },
      { id: 'emu1', model: 'T4', memoryMB: 2048, emulated: true, cpus: 0.5 },
    ]);
  });
});
