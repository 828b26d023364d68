// What src/ops/support/lazyModules.ts loads, as one module: the bundler gives each lazily
// imported module a chunk, and splits the code that module shares with the lookups into
// chunks of their own, which every lookup then loads. One lazy module per layer keeps
// that to a few files (measured: the lookup path went from 12 bundle files to 7).
export * as manifests from '../../domain/manifests.js'
export * as registryConfig from '../../domain/registryConfig.js'
export * as retired from '../../domain/retired.js'
export { recoverIfInterrupted } from './registryEdit.js'
export * as metadata from '../../domain/metadata.js'
export { setAlias } from '../setAlias.js'
export { assertSoundEdits } from './soundState.js'
export { formatVersionMessage } from '../../domain/versionMessage.js'
