/**
 * The placement picture shows each box's own plan share: the plan keys its
 * utilisation "<node>/<accelerator>", and every emulated box has an `emu0`.
 * The view is a plain browser ES module that renders a string, so it runs here as served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface PlacementView {
  drawPlacement(el: { innerHTML: string }, s: unknown): void;
}
const viewUrl = new URL('../../../src/api/status-page/ui/placement-view.js', import.meta.url).href;

const box = (id: string) => ({
  id,
  state: 'alive',
  cpus: 4,
  accelerators: [{ id: 'emu0', model: 'emu-fast', memoryMB: 8000, emulated: true, cpus: 2 }],
  replicas: [],
});

describe('status page: plan share per box and accelerator', () => {
  it("shows each box's emu0 with its own figure from the plan", async () => {
    const { drawPlacement } = (await import(viewUrl)) as PlacementView;
    const el = { innerHTML: '' };
    drawPlacement(el, {
      nodes: [box('box-a'), box('box-b')],
      plan: {
        strategy: 'rim',
        placements: [],
        utilisation: { 'box-a/cpu': 0.1, 'box-a/emu0': 0.25, 'box-b/cpu': 0.2, 'box-b/emu0': 0.75 },
      },
      profiles: [],
      deployments: [],
      selected: '',
    });
    const [a, b] = el.innerHTML.split('aria-label="box box-b"') as [string, string];
    const plans = (html: string) => [...html.matchAll(/aria-label="plan ([^"]*)"/g)].map((m) => m[1]);
    assert.deepEqual(plans(a), ['10%', '25%']);
    assert.deepEqual(plans(b), ['20%', '75%']);
  });
});
