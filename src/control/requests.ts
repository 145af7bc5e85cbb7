/** What callers ask the control for: the API's bodies once validated. */

/** Add a deployment of a registered app; fps and latencyMs fall back to the app manifest's defaults. */
export interface DeploymentRequest {
  name: string;
  app: string;
  fps?: number;
  latencyMs?: number;
  priority?: number;
}
