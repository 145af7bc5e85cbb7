import { parseManifest } from '../../src/domain/manifest.js';
import { calibratedApp, oneBoxProfiler, NOOP_IMAGE, SYNTHETIC_IMAGE } from './fixtures.js';
const b = await oneBoxProfiler({ nodeId: 'dbg', accelerators: [], apps: [], logLevel: 'info' });
const ni = await b.engine.inspectImage(NOOP_IMAGE);
const sd = (await b.engine.inspectImage(SYNTHETIC_IMAGE)).digest;
const which = process.argv[2] ?? 'noop';
const apps = [{ name: 'noop', image: NOOP_IMAGE, digest: ni.digest, registeredAt: 0, manifest: parseManifest(ni.manifestLabel!) }, calibratedApp('calib-cpu', sd, 20, 'cpu')];
await b.store.update((d) => { d.apps = apps; });
const p = which === 'noop' ? await b.profiler.measure({ app: 'noop', module: 'noop', accelerator: 'cpu', digest: ni.digest })
  : await b.profiler.measure({ app: 'calib-cpu', module: 'work', accelerator: 'cpu', digest: sd });
console.log(JSON.stringify({ ...p, detail: { ...p.detail, levels: undefined } }));
for (const l of (p.detail as any)?.levels ?? []) console.log(JSON.stringify(l));
await b.close();
