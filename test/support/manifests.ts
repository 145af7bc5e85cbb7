/** Manifests for the appliance's unit tests (labels of FakeEngine images). */

/** A manifest like the synthetic sample: cpu → gpu → cpu. */
export const pipelineManifest = (name = 'pipeline') => ({
  apiVersion: 'rim/v1',
  name,
  entry: 'decode',
  modules: [
    { name: 'decode', image: 'self', command: ['node', 'server.js'], accelerator: 'cpu', next: ['detect'] },
    { name: 'detect', image: 'self', command: ['node', 'server.js'], accelerator: 'gpu', next: ['track'] },
    { name: 'track', image: 'self', command: ['node', 'server.js'], accelerator: 'cpu', next: [] },
  ],
  defaults: { fps: 10, latencyMs: 500 },
});

export const singleManifest = (name = 'single') => ({
  apiVersion: 'rim/v1',
  name,
  entry: 'work',
  modules: [{ name: 'work', image: 'self', accelerator: 'cpu', next: [] }],
});
