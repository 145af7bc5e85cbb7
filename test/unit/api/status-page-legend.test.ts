/**
 * The status page's placement view explains itself: the plan's strategy is
 * named and "stand-in" and "measured –" are explained (a legend line and
 * title attributes); each box shows its member state, a dead box included,
 * and a box without one is "unknown", never "alive". The view is a plain
 * browser ES module that renders a string, so it runs here as it is served.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

interface PlacementView {
  drawPlacement(el: { innerHTML: string }, s: unknown): void;
}
const viewUrl = new URL('../../../src/api/status-page/ui/placement-view.js', import.meta.url).href;

describe('status page: placement legend and box states', () => {
  const draw = async (nodes: unknown[], strategy = 'rim+stand-in') => {
    const { drawPlacement } = (await import(viewUrl)) as PlacementView;
    const el = { innerHTML: '' };
    drawPlacement(el, {
      nodes,
      plan: { strategy, placements: [], utilisation: {} },
      profiles: [],
      deployments: [],
      selected: '',
    });
    return el.innerHTML;
  };
  const box = (id: string, state?: string) => ({
    id,
    cpus: 2,
    accelerators: [],
    replicas: [],
    ...(state ? { state } : {}),
  });

  it('names the strategy and explains stand-in and measured –', async () => {
    const html = await draw([box('box-1', 'alive')]);
    assert.match(html, /placed by <b title="stand-in: [^"]+">rim\+stand-in<\/b>/);
    assert.match(html, /<i>stand-in<\/i>: apps not yet profiled run whole on one box/);
    assert.match(html, /<i>measured –<\/i>: no reading yet/);
    assert.match(html, /class="bar" role="img" title="measured: [^"]*– : no reading yet/);
    assert.match(html, /class="bar" role="img" title="plan: /);
  });

  it('shows each box its member state, a dead one included; none is unknown, not alive', async () => {
    const html = await draw([box('box-1', 'alive'), box('box-2', 'suspect'), box('box-3', 'dead'), box('box-4')]);
    const head = (id: string) => new RegExp(`<h3>${id} <span title="([^"]+)"><span class="pill s-(\\w+)">`).exec(html);
    assert.equal(head('box-1')?.[2], 'alive');
    assert.equal(head('box-2')?.[2], 'suspect');
    assert.equal(head('box-3')?.[2], 'dead');
    assert.match(head('box-3')![1]!, /gone/);
    assert.equal(head('box-4')?.[2], 'unknown');
  });
});
