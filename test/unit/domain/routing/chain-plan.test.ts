import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerOf, chainPlan, inputOf, type Payload } from '../../../../src/domain/routing/chain-plan.js';
import { diamond, pipeline } from './fixtures.js';

const text = (s: string, contentType = 'text/plain'): Payload => ({ body: Buffer.from(s), contentType });

describe('DAG chaining plan', () => {
  it('a pipeline runs in order, each module taking the one before it, the last one answering', () => {
    const p = chainPlan(pipeline());
    assert.deepEqual(
      p.steps.map((s) => [s.module, s.inputs]),
      [
        ['decode', []],
        ['detect', [0]],
        ['track', [1]],
      ],
    );
    assert.deepEqual(p.sinks, [2]);
    assert.equal(p.linear, true);
    const frame = text('frame', 'image/jpeg');
    assert.equal(inputOf(p, p.steps[0]!, frame, []), frame, 'the entry gets the frame itself');
    const outs = [
      text('decoded', 'application/octet-stream'),
      text('boxes', 'application/json'),
      text('tracks', 'application/x-tracks'),
    ];
    assert.equal(inputOf(p, p.steps[1]!, frame, outs), outs[0], 'output of decode, as it is (body and content type)');
    assert.deepEqual(answerOf(p, outs), outs[2], 'one sink: its body and content type');
  });

  it('a diamond: topological order, predecessors in manifest order, not linear', () => {
    const p = chainPlan(diamond());
    const names = p.steps.map((s) => s.module);
    assert.deepEqual(names, ['src', 'left', 'right', 'audit', 'join'], 'src first, then its next in order');
    const join = p.steps.find((s) => s.module === 'join')!;
    assert.deepEqual(
      join.inputs.map((i) => names[i]),
      ['right', 'left'],
      'manifest order: right is listed before left',
    );
    assert.deepEqual(
      p.sinks.map((i) => names[i]),
      ['join', 'audit'],
    );
    assert.equal(p.linear, false);
  });

  it('a module with several predecessors gets a JSON object of their outputs as UTF-8; several sinks likewise', () => {
    const p = chainPlan(diamond());
    const idx = (m: string) => p.steps.findIndex((s) => s.module === m);
    const outs: (Payload | undefined)[] = [];
    outs[idx('src')] = text('S');
    outs[idx('left')] = text('{"trail":"L"}', 'application/json');
    outs[idx('right')] = text('héllo', 'text/plain; charset=utf-8');
    const joinIn = inputOf(p, p.steps[idx('join')]!, text('frame'), outs);
    assert.equal(joinIn.contentType, 'application/json');
    assert.equal(joinIn.body.toString(), '{"right":"héllo","left":"{\\"trail\\":\\"L\\"}"}');
    outs[idx('join')] = text('J');
    outs[idx('audit')] = text('A');
    const answer = answerOf(p, outs);
    assert.equal(answer.contentType, 'application/json');
    assert.deepEqual(JSON.parse(answer.body.toString()), { join: 'J', audit: 'A' });
    assert.throws(() => answerOf(p, [outs[0]]), /output of join needed before it exists/);
  });
});
