export { configSchema, type Config, type ConfigInput, type EmulatedAcceleratorConfig, LOG_LEVELS, STRATEGIES } from './schema.js';
export { loadConfig, ConfigError, envNameOf, packageRoot, type LoadedConfig } from './load-config.js';
