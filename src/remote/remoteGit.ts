import { redactUrl } from '../domain/remoteUrl.js'
import type { Env } from '../git/config.js'
import { PushRejectedError, RemoteAuthError, RemoteNotFoundError, RemoteStalledError, RemoteTransferError, RemoteUrlRefusedError } from '../domain/errors.js'
import { runGit, type GitRun } from '../git/gitBinary.js'
import { gitTimeoutArgs, timeoutsFrom } from './timeouts.js'
import { checkRemoteUrl } from './transportPolicy.js'
import { ALLOWED_PROTOCOLS } from '../domain/remoteUrl.js'

/** A repository on disk that git commands run in. */
export interface GitWorkspace {
  /** `--git-dir` for git. */
  gitdir: string
  env: Env
  onProgress?: (line: string) => void
}

/** A git command that talks to a remote: with gmr's stall limit, in a repository when given. */
async function networkGit(ws: GitWorkspace | { env: Env }, args: string[], input?: string): Promise<GitRun> {
  const where = 'gitdir' in ws ? ['--git-dir', ws.gitdir] : []
  return runGit([...gitTimeoutArgs(timeoutsFrom(ws.env)), ...where, ...args], {
    env: ws.env,
    ...(input !== undefined && { input }),
    ...('onProgress' in ws && ws.onProgress && { onStderr: ws.onProgress }),
  })
}

export interface FetchOptions {
  depth?: number
  /** Write FETCH_HEAD only; refspecs may then name bare refs or object ids. */
  prune?: boolean
}

/** `git fetch` of the given refspecs; a failure says why in one line and moves no ref. */
export async function fetchRefs(ws: GitWorkspace, remote: string, refspecs: readonly string[], options: FetchOptions = {}): Promise<void> {
  const args = ['fetch', '--no-tags', '--no-write-fetch-head', ...(options.prune ? ['--prune'] : [])]
  if (options.depth !== undefined) args.push(`--depth=${options.depth}`)
  checkRemoteUrl(remote)
  // "--" first: a remote or refspec from the command line is never read as an option.
  const run = await networkGit(ws, [...args, '--', remote, ...refspecs])
  if (run.code !== 0) throw transportError('fetch from', remote, run)
}

/** The refs a remote advertises, by name (`git ls-remote`). */
export async function listRemoteRefs(ws: GitWorkspace | { env: Env }, remote: string, patterns: readonly string[] = []): Promise<Map<string, string>> {
  checkRemoteUrl(remote)
  const run = await networkGit(ws, ['ls-remote', '--', remote, ...patterns])
  if (run.code !== 0) throw transportError('reach', remote, run)
  const refs = new Map<string, string>()
  for (const line of run.stdout.split('\n')) {
    const [oid, name] = line.split('\t')
    if (oid && name && !name.endsWith('^{}')) refs.set(name, oid)
  }
  return refs
}

export interface PushUpdate {
  /** Local ref or object id to send (empty string deletes the remote ref). */
  src: string
  /** Remote ref to update. */
  dst: string
  /** The value the remote must still have (null: must not exist) — a lease; omit for a plain fast-forward push. */
  expect?: string | null
}

/**
 * One atomic push: every ref moves or none does. Leases make a ref that someone else
 * moved since our fetch refuse the whole push instead of overwriting their change.
 */
export async function pushRefs(ws: GitWorkspace, remote: string, updates: readonly PushUpdate[]): Promise<void> {
  if (updates.length === 0) return
  const args = ['push', '--atomic', '--porcelain']
  for (const update of updates) {
    if (update.expect !== undefined) args.push(`--force-with-lease=${update.dst}:${update.expect ?? ''}`)
  }
  // No "+" on leased refs: a forcing "+" would override the lease.
  checkRemoteUrl(remote)
  args.push('--', remote, ...updates.map((u) => `${u.src}:${u.dst}`))
  const run = await networkGit(ws, args)
  if (run.code === 0) return
  throw pushRejection(remote, run) ?? transportError('push to', remote, run)
}

/**
 * A push refused because the remote moved: a lease that failed (`stale info`), someone
 * pushed first (`fetch first`, `non-fast-forward`), or a race lost inside the server's
 * atomic transaction (`atomic transaction failed`, `cannot lock ref … expected …`). Each
 * says to run `gmr pull`; null when the refusal is something else (a hook, a protected
 * ref, the network).
 */
export function pushRejection(remote: string, run: Pick<GitRun, 'stdout' | 'stderr'>): PushRejectedError | null {
  const rejected = [...run.stdout.matchAll(/^!\t[^\t]*:(\S+)\t\[(?:remote )?rejected\] \((.+)\)$/gm)].map((m) => ({ ref: m[1]!, why: m[2]! }))
  const refsWhere = (reason: RegExp) => rejected.filter((r) => reason.test(r.why)).map((r) => r.ref)
  const where = redactUrl(remote)
  const unchanged = '(nothing was changed on the remote)'
  const stale = refsWhere(/^stale info$/)
  if (stale.length > 0) return pushRefusal(remote, 'stale', stale)
  const behind = refsWhere(/fetch first|non-fast-forward/)
  if (behind.length > 0) return pushRefusal(remote, 'behind', behind)
  const raced = /atomic transaction failed|cannot lock ref|failed to update ref|but expected|incorrect old value/
  const lost = refsWhere(raced)
  const others = rejected.filter((r) => !raced.test(r.why) && !/atomic push failed/.test(r.why))
  if (others.length > 0 || (lost.length === 0 && !raced.test(run.stderr))) return null
  return new PushRejectedError(
    `push refused: ${lost.length > 0 ? lost.join(', ') : 'a ref'} moved on ${where} while you pushed (someone pushed at the same time); run "gmr pull" and push again ${unchanged}`,
    { refs: lost },
  )
}

/**
 * The refusal of a push whose refs moved on the remote: `stale` refs are leased ones
 * someone moved since our fetch, `behind` ones hold commits we do not have. The server
 * says it at push time; a dry run says it from the remote's listing, in the same words.
 */
export function pushRefusal(remote: string, why: 'stale' | 'behind', refs: readonly string[]): PushRejectedError {
  const where = redactUrl(remote)
  const unchanged = '(nothing was changed on the remote)'
  if (why === 'stale') {
    return new PushRejectedError(`push refused: ${refs.join(', ')} moved on ${where} since your last fetch; run "gmr pull" and push again ${unchanged}`, { refs: [...refs] })
  }
  return new PushRejectedError(
    `push refused: ${where} has commits on ${refs.join(', ')} that you do not have (someone pushed first); run "gmr pull" to take them and renumber your new versions, then push again ${unchanged}`,
    { refs: [...refs] },
  )
}

/** git's last meaningful line: stderr first; --porcelain's stdout ends with a bare "Done", which explains nothing. */
export function lastWord(run: Pick<GitRun, 'stderr' | 'stdout'>): string | undefined {
  const meaningful = (output: string) =>
    output
      .split('\n')
      .map((l) => l.replace(/^(fatal|error): /, '').trim())
      .filter((l) => l !== '' && l !== 'Done' && !/^(To|From) /.test(l))
  return meaningful(run.stderr).pop() ?? meaningful(run.stdout).pop()
}

/** Turn git's stderr into one line that says what went wrong and what to do. */
export function transportError(what: string, remote: string, run: GitRun): Error {
  const text = `${run.stderr}\n${run.stdout}`
  const where = redactUrl(remote)
  // Credentials that were accepted but do not allow this (a read-only account pushing).
  if (/The requested URL returned error: 403\b/.test(text)) {
    return new RemoteAuthError(
      `cannot ${what} ${where}: the server refused access (403); check that your account may read or write this repository`,
      { remote: where, status: 403 },
    )
  }
  const status = Number(/The requested URL returned error: (\d{3})/.exec(text)?.[1] ?? /RPC failed; HTTP (\d{3})/.exec(text)?.[1] ?? 0)
  if (status >= 500 || (status >= 400 && ![401, 403, 404].includes(status))) {
    return new RemoteTransferError(
      `cannot ${what} ${where}: the server answered HTTP ${status}${status >= 500 ? ' (an error on the server)' : ''}; nothing was changed locally, try again later or tell the server's administrator`,
      { remote: where, status },
    )
  }
  if (/Operation too slow|Operation timed out|Connection timed out|curl 28\b/i.test(text)) {
    const quiet = /the last (\d+) seconds/.exec(text)?.[1]
    return new RemoteStalledError(
      `cannot ${what} ${where}: the connection to ${hostOf(remote)} stalled${quiet ? ` (no data for ${quiet} s)` : ''}; nothing was changed locally, run it again, or allow longer with --timeout or git config gmr.timeout`,
      { remote: where },
    )
  }
  if (/transport '[^']*' not allowed|unsupported protocol/i.test(text)) {
    return new RemoteUrlRefusedError(`cannot ${what} ${where}: git refused its transport; gmr talks to remotes over ${ALLOWED_PROTOCOLS.join(', ')} only`, {
      remote: where,
    })
  }
  if (/Authentication failed|could not read Username|could not read Password|HTTP Basic: Access denied|\b401\b|\b403\b|Permission denied \(publickey/i.test(text)) {
    return new RemoteAuthError(
      `cannot ${what} ${where}: authentication failed; put credentials in a credential helper (git config credential.helper) or in the URL`,
      { remote: where },
    )
  }
  if (/not found|does not appear to be a git repository|does not exist|\b404\b|No such file or directory|couldn't find remote ref/i.test(text)) {
    const ref = /couldn't find remote ref (\S+)/.exec(text)?.[1]
    return new RemoteNotFoundError(
      ref ? `${where} has no ${ref}` : `cannot ${what} ${where}: no repository there; check the URL`,
      { remote: where, ...(ref && { ref }) },
    )
  }
  if (/Could not resolve host|Failed to connect|Connection refused|Couldn't connect|unable to access/i.test(text)) {
    return new RemoteTransferError(`cannot ${what} ${where}: the host cannot be reached; check the URL and your network`, {
      remote: where,
    })
  }
  // The connection died mid-transfer (a server killed, a proxy timeout): git's own lines
  // ("unpack-objects failed", "the remote end hung up") do not say so.
  if (/RPC failed|unexpected disconnect|remote end hung up|early EOF/i.test(run.stderr)) {
    const cause = /RPC failed; (.+)/.exec(run.stderr)?.[1]?.trim()
    return new RemoteTransferError(
      `cannot ${what} ${where}: the connection broke mid-transfer${cause ? ` (${cause})` : ''}; nothing was changed locally, try again`,
      { remote: where, code: run.code },
    )
  }
  const last = lastWord(run)
  return new RemoteTransferError(
    `cannot ${what} ${where}: ${last ?? `git exited with ${run.code}`}; nothing was changed locally, try again`,
    { remote: where, code: run.code },
  )
}

/** The host of a URL (`127.0.0.1:8080`, `github.com`), or the remote as given (a name, a path). */
function hostOf(remote: string): string {
  try {
    const host = new URL(remote).host
    if (host !== '') return host
  } catch {
    // an scp-like address or a remote name
  }
  return /^(?:[^@/]+@)?([^:/]+):/.exec(remote)?.[1] ?? redactUrl(remote)
}
