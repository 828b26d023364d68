// What src/git/lazyModules.ts loads from gmr's own code, as one module (see
// src/ops/support/rareReadPaths.ts for why one).
export { openBareRepo } from './bareRepo.js'
export { readVersionMessage } from '../domain/versionMessage.js'
