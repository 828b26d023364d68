/**
 * The CLI's lazy-load boundary: every operation a command runs, loaded on first use.
 *
 * Why: the commander program and its command definitions load for every command, and
 * what they import statically is paid by all of them, `gmr --help` included. The
 * operations behind them reach the YAML library (about seventy modules unbundled,
 * 263 kB bundled), the compiled manifest schemas (105 kB) and isomorphic-git; loading
 * those up front would cost every command the parse time of all of it (on this 2-core
 * machine, parsing the lookup bundle while it still inlined them was the largest single
 * item of `gmr resolve`'s profile). So a command's action gets its operation here, and
 * the bundle (scripts/bundle-cli.mjs) gives each one its own chunk. Everything else in
 * src/cli imports statically; test/architecture.test.ts allows `import()` only in the
 * few loader modules named there.
 *
 * The lookups (`gmr resolve`, `gmr versions`) do not come through here: their fast path
 * (src/cli/lookupRun.ts) imports its two operations statically, as one bundle file.
 */
export const operations = {
  addTags: () => import('../ops/addTags.js'),
  buildSite: () => import('../ops/buildSite.js'),
  check: () => import('../ops/check.js'),
  clone: () => import('../ops/clone.js'),
  createArtifact: () => import('../ops/createArtifact.js'),
  createModel: () => import('../ops/createModel.js'),
  diff: () => import('../ops/diff.js'),
  download: () => import('../ops/download.js'),
  fetch: () => import('../ops/fetch.js'),
  fetchProposalLfs: () => import('../ops/fetchProposalLfs.js'),
  history: () => import('../ops/history.js'),
  init: () => import('../ops/init.js'),
  link: () => import('../ops/link.js'),
  listAliases: () => import('../ops/listAliases.js'),
  listArtifacts: () => import('../ops/listArtifacts.js'),
  listCache: () => import('../ops/listCache.js'),
  listModels: () => import('../ops/listModels.js'),
  logVersion: () => import('../ops/logVersion.js'),
  manifestList: () => import('../ops/manifestList.js'),
  prune: () => import('../ops/prune.js'),
  pruneCache: () => import('../ops/pruneCache.js'),
  pull: () => import('../ops/pull.js'),
  pullRequestComment: () => import('../ops/pullRequestComment.js'),
  push: () => import('../ops/push.js'),
  readModelCard: () => import('../ops/readModelCard.js'),
  remoteDownload: () => import('../ops/remoteDownload.js'),
  removeAlias: () => import('../ops/removeAlias.js'),
  removeArtifact: () => import('../ops/removeArtifact.js'),
  removeModel: () => import('../ops/removeModel.js'),
  removeTags: () => import('../ops/removeTags.js'),
  renameModel: () => import('../ops/renameModel.js'),
  renderVersions: () => import('../ops/renderVersions.js'),
  resolve: () => import('../ops/resolve.js'),
  resolveAt: () => import('../ops/resolveAt.js'),
  serveSite: () => import('../ops/serveSite.js'),
  setAlias: () => import('../ops/setAlias.js'),
  setMetadata: () => import('../ops/setMetadata.js'),
  setModelCard: () => import('../ops/setModelCard.js'),
  show: () => import('../ops/show.js'),
  sync: () => import('../ops/sync.js'),
  unlink: () => import('../ops/unlink.js'),
  verify: () => import('../ops/verify.js'),
  /** `key=value` metadata parsing (`gmr log --metadata`, `gmr meta set`): values are YAML, so it brings the YAML library. */
  metadataParser: () => import('../domain/metadata.js'),
}
