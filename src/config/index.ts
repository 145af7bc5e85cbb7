export { configSchema, type Config, type ConfigInput, type EmulatedAcceleratorConfig, LOG_LEVELS } from './schema.js';
export { APPLIANCE_STRATEGIES } from './placement-strategy.js';
export { loadConfig, ConfigError, envNameOf, packageRoot, type LoadedConfig } from './load-config.js';
