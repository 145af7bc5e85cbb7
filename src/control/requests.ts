/** What callers ask the control for: the API's bodies once validated. */

/** Add a deployment of a registered app; fps and latencyMs fall back to the app manifest's defaults. */
export interface DeploymentRequest {
  name: string;
  app: string;
  /** `auto`: allocate what arrives, up to maxFps (required with it). */
  fps?: number | 'auto';
  maxFps?: number;
  latencyMs?: number;
  priority?: number;
}
