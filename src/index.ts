// Why: the package's public entry point (`import { ... } from 'eddy'`): the embeddable server now,
// the streaming API once it lands.
export { Server, EDDY_VERSION, REDIS_VERSION } from './server/server.js';
export { Config } from './server/config.js';
export * from './streaming/index.js';
