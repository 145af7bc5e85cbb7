/**
 * What the profiler feeds each module: the entry gets the manifest's sample
 * input (profile.sampleInput, read out of the image), every other module the
 * output of its upstream module, produced once and kept. Without a sample
 * input a small fixed frame stands in.
 */
import type { RegisteredApp } from '../domain/types.js';
import type { Logger } from '../log.js';

/** Reads one file out of an image (ContainerEngine.readImageFile). */
export type ImageFileReader = (image: string, path: string) => Promise<Buffer>;

/** 4 KiB of a fixed pattern: the frame used when an app names no sample input. */
export const DEFAULT_FRAME: Buffer = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 17) & 0xff));

export class FrameInputs {
  private readonly samples = new Map<string, Promise<Buffer>>();
  private readonly outputs = new Map<string, Buffer>();

  constructor(
    private readonly reader?: ImageFileReader,
    private readonly logger?: Logger,
  ) {}

  /** The app's sample input (read once per image digest). */
  sample(app: RegisteredApp): Promise<Buffer> {
    const key = app.digest;
    let p = this.samples.get(key);
    if (!p) {
      p = this.readSample(app);
      this.samples.set(key, p);
    }
    return p;
  }

  private async readSample(app: RegisteredApp): Promise<Buffer> {
    const path = app.manifest.profile?.sampleInput;
    if (!path || !this.reader) return DEFAULT_FRAME;
    for (const image of new Set([app.digest, app.image])) {
      try {
        return await this.reader(image, path);
      } catch (e) {
        this.logger?.debug(
          { app: app.name, image, path, err: (e as Error).message },
          'sample input not readable from this reference',
        );
      }
    }
    this.logger?.warn({ app: app.name, path }, 'sample input not readable from the image; using a default frame');
    return DEFAULT_FRAME;
  }

  /** A module's output for the sample input, when already produced. */
  output(app: RegisteredApp, module: string): Buffer | undefined {
    return this.outputs.get(`${app.digest}/${app.name}/${module}`);
  }

  keep(app: RegisteredApp, module: string, body: Buffer): void {
    this.outputs.set(`${app.digest}/${app.name}/${module}`, body);
  }
}
