/** A registered app "a" of one module (the unit tests' smallest app), on the given accelerator kind. */
import type { RegisteredApp } from '../../src/domain/types.js';

export function oneModuleApp(module: string, accelerator?: 'cpu' | 'gpu'): RegisteredApp {
  return {
    name: 'a',
    image: 'rim/a',
    digest: 'sha256:a',
    registeredAt: 0,
    manifest: {
      apiVersion: 'rim/v1',
      name: 'a',
      entry: module,
      modules: [{ name: module, image: 'self', ...(accelerator ? { accelerator } : {}), next: [] }],
    } as unknown as RegisteredApp['manifest'],
  };
}
