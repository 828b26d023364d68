import * as fs from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import { fsck, type TempRepo } from '../helpers/gitRepo.js'
import { serveSite } from '../helpers/siteServer.js'
import { makeSiteRegistry } from '../helpers/siteRegistry.js'
import { repoFingerprint } from '../helpers/state.js'

let repo: TempRepo
const run = (...args: string[]) => gmr(repo.dir, repo.env, args)

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string, rel = ''): string[] {
  return fs.readdirSync(join(dir, rel), { withFileTypes: true }).flatMap((entry) => {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`
    return entry.isDirectory() ? listFiles(dir, path) : [path]
  }).sort()
}

beforeAll(async () => {
  repo = await makeSiteRegistry()
})
afterAll(() => repo.cleanup())

describe('gmr site', () => {
  it('writes a self-contained site with a stable page per model and artifact, leaving the repository as it was', async () => {
    const before = repoFingerprint(repo.dir)
    const out = join(repo.scratch, 'site')
    const result = await run('site', '--out', out)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(new RegExp(`^wrote ${out}: 12 files \\(3 model pages, 2 artifact pages\\), .*; largest page models/churn-model\\.html \\(.*\\)\\n$`))
    expect(listFiles(out)).toEqual([
      '.gmr-site',
      'artifacts.html',
      'artifacts/bert.html',
      'artifacts/churn.html',
      'assets/icon.svg',
      'assets/site.css',
      'assets/site.js',
      'history.html',
      'index.html',
      'models/churn-model.html',
      'models/fraud-model.html',
      'models/sentiment.html',
    ])
    // Nothing is fetched from elsewhere: every script and stylesheet is a file of the site.
    for (const page of listFiles(out).filter((p) => p.endsWith('.html'))) {
      const html = fs.readFileSync(join(out, page), 'utf8')
      const assets = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!)
      expect(assets.length, page).toBe(3)
      for (const asset of assets) {
        expect(asset, page).not.toMatch(/^[a-z]+:|^\/\//i)
        expect(fs.existsSync(join(out, page, '..', asset)), `${page} -> ${asset}`).toBe(true)
      }
      expect(html, page).not.toMatch(/@import|url\(/)
    }
    expect(repoFingerprint(repo.dir)).toEqual(before)
    expect(repo.git('status', '--porcelain')).toBe('')
    expect(fsck(repo)).toBe('')
  })

  it('escapes everything from manifests and cards: a hostile card and description stay text', async () => {
    const out = join(repo.scratch, 'site-escape')
    expect((await run('site', '--out', out)).code).toBe(0)
    const html = fs.readFileSync(join(out, 'models/churn-model.html'), 'utf8')
    expect(html).toContain('<p class="lead">customer churn &lt;b&gt;tabular&lt;/b&gt;</p>')
    expect(html).toContain('&lt;script&gt;window.pwned = 1&lt;/script&gt;')
    expect(html).toContain('<th scope="row">license</th><td>&lt;b&gt;MIT&lt;/b&gt;</td>')
    // The page's only script is the site's own file; no element carries an event handler.
    expect([...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="../assets/site.js" defer>'])
    expect(html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i)
    expect(html).not.toMatch(/(href|src)="\s*javascript:/i)
    expect(html).toContain('<a href="https://example.com/docs" rel="nofollow noopener noreferrer">the docs</a>')
  })

  it('shows the metadata of every linked version, the aliases first, and the files with their storage', async () => {
    const out = join(repo.scratch, 'site-content')
    expect((await run('site', '--out', out)).code).toBe(0)
    const model = fs.readFileSync(join(out, 'models/churn-model.html'), 'utf8')
    expect(model.indexOf('<h2>Aliases</h2>')).toBeLessThan(model.indexOf('<h2>accuracy across versions</h2>'))
    expect(model.indexOf('<h2>accuracy across versions</h2>')).toBeLessThan(model.indexOf('<h2>Versions</h2>'))
    expect(model.indexOf('<h2>Versions</h2>')).toBeLessThan(model.indexOf('<h2>Model card</h2>'))
    expect(model).toMatch(/<td><strong class="alias">production<\/strong><\/td><td>v1<\/td><td><a href="\.\.\/artifacts\/churn\.html#v1">churn:v1<\/a><\/td><td><span class="num">0\.84<\/span><\/td>/)
    expect(model).toContain('<th scope="col">metrics.loss</th>')
    const artifact = fs.readFileSync(join(out, 'artifacts/churn.html'), 'utf8')
    expect(artifact).toMatch(/<td><code>weights\.safetensors<\/code><\/td><td><span class="num">4\.1 KB<\/span><\/td><td>file<\/td><td>large file \(Git LFS\)<\/td>/)
    expect(artifact).toMatch(/<td><code>model\.bin<\/code><\/td><td><span class="num">9 B<\/span><\/td><td>file<\/td><td><\/td>/)
    expect(artifact).toContain('<a href="../models/churn-model.html">churn-model:v1</a>')
    const history = fs.readFileSync(join(out, 'history.html'), 'utf8')
    expect(history).toContain('<a href="models/sentiment.html">sentiment</a>')
    expect(history).toContain('<td>gmr: alias production of churn-model -&gt; v1</td><td><a href="models/churn-model.html">churn-model</a></td>')
  })

  it('--metric chooses the charted metadata key', async () => {
    const out = join(repo.scratch, 'site-metric')
    expect((await run('site', '--out', out, '--metric', 'metrics.loss')).code).toBe(0)
    const html = fs.readFileSync(join(out, 'models/churn-model.html'), 'utf8')
    expect(html).toContain('<h2>metrics.loss across versions</h2>')
    expect(html).toContain('data-metric="metrics.loss"')
  })

  it('replaces a site it built before, and refuses a folder holding anything else', async () => {
    const out = join(repo.scratch, 'site-again')
    expect((await run('site', '--out', out)).code).toBe(0)
    fs.writeFileSync(join(out, 'models', 'stale.html'), 'old page')
    expect((await run('site', '--out', out)).code).toBe(0)
    expect(fs.existsSync(join(out, 'models', 'stale.html'))).toBe(false)
    expect(fs.existsSync(join(out, 'models', 'churn-model.html'))).toBe(true)

    const other = join(repo.scratch, 'notes')
    fs.mkdirSync(other)
    fs.writeFileSync(join(other, 'todo.txt'), 'keep me')
    const refused = await run('site', '--out', other)
    expect(refused.code).toBe(1)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toBe(
      `error: ${other} is not empty and holds no site gmr built (no .gmr-site file); choose a new folder for --out or empty this one\n`,
    )
    expect(listFiles(other)).toEqual(['todo.txt'])
    expect(fs.readdirSync(repo.scratch).filter((name) => name.includes('.tmp-'))).toEqual([])
  })

  it('needs --out', async () => {
    const result = await run('site')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain("required option '--out <dir>' not specified")
  })

  it('notes when the checkout is not the registry branch', async () => {
    repo.git('switch', '-q', '-c', 'proposal')
    try {
      const result = await run('site', '--out', join(repo.scratch, 'site-proposal'))
      expect(result.code).toBe(0)
      expect(result.stderr).toBe('note: built from branch proposal, not the registry branch main: the site shows the manifests checked out here\n')
    } finally {
      repo.git('switch', '-q', 'main')
    }
  })
})

describe('gmr serve', () => {
  it('serves the same pages on 127.0.0.1 and nothing else', async () => {
    const out = join(repo.scratch, 'site-for-serve')
    expect((await run('site', '--out', out)).code).toBe(0)
    const served = await serveSite(repo.dir, repo.env)
    try {
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
      for (const path of ['index.html', 'models/churn-model.html', 'artifacts/churn.html', 'history.html', 'assets/site.js']) {
        const response = await fetch(new URL(path, served.url))
        expect(response.status, path).toBe(200)
        expect(await response.text(), path).toBe(fs.readFileSync(join(out, path), 'utf8'))
      }
      const top = await fetch(served.url)
      expect(top.headers.get('content-type')).toBe('text/html; charset=utf-8')
      expect(top.headers.get('content-security-policy')).toContain("script-src 'self'")
      expect(await top.text()).toBe(fs.readFileSync(join(out, 'index.html'), 'utf8'))
      for (const path of ['nope.html', '..%2f..%2f..%2fetc%2fpasswd', '%E0%A4%A', 'models/']) {
        expect((await fetch(`${served.url}${path}`)).status, path).toBe(404)
      }
      expect((await fetch(served.url, { method: 'POST', body: 'x' })).status).toBe(405)
    } finally {
      const stopped = await served.stop()
      expect(stopped.code).toBe(0)
      expect(stopped.stderr).toBe('')
      expect(stopped.stdout).toMatch(/^serving the registry at http:\/\/127\.0\.0\.1:\d+\/ \(12 files, built now/)
    }
  })

  it('refuses a port that is not a number, and a port in use', async () => {
    const bad = await run('serve', '--port', 'eighty')
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('a port is a whole number from 0 to 65535')
    const first = await serveSite(repo.dir, repo.env)
    try {
      const port = new URL(first.url).port
      const { gmrProcess } = await import('../helpers/gitRepo.js')
      const second = await gmrProcess(repo.dir, repo.env, ['serve', '--port', port])
      expect(second.code).toBe(1)
      expect(second.stderr).toBe(`error: cannot listen on 127.0.0.1:${port} (in use); choose another port with --port\n`)
    } finally {
      await first.stop()
    }
  })
})

describe('gmr site on a new registry', () => {
  it('writes every page, each saying what to run first', async () => {
    const { makeRepo } = await import('../helpers/gitRepo.js')
    const fresh = makeRepo()
    try {
      expect((await gmr(fresh.dir, fresh.env, ['init'])).code).toBe(0)
      const out = join(fresh.scratch, 'site')
      const result = await gmr(fresh.dir, fresh.env, ['site', '--out', out])
      expect(result.code, result.stderr).toBe(0)
      expect(listFiles(out).filter((p) => p.endsWith('.html'))).toEqual(['artifacts.html', 'history.html', 'index.html'])
      expect(fs.readFileSync(join(out, 'index.html'), 'utf8')).toContain(
        '<p class="note">No registered models yet: gmr model create &lt;model&gt;, then gmr link &lt;artifact&gt;:&lt;version&gt; &lt;model&gt;.</p>',
      )
      expect(fs.readFileSync(join(out, 'artifacts.html'), 'utf8')).toContain('No artifacts yet: gmr log &lt;artifact&gt; &lt;path&gt;.')
    } finally {
      fresh.cleanup()
    }
  })

  it('outside a registry, says to run gmr init and writes nothing', async () => {
    const { makeRepo } = await import('../helpers/gitRepo.js')
    const plain = makeRepo()
    try {
      const out = join(plain.scratch, 'site')
      const result = await gmr(plain.dir, plain.env, ['site', '--out', out])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/^error: .* is not a gmr registry yet \(no registry\/registry.yaml\): run "gmr init" first\n$/)
      expect(fs.existsSync(out)).toBe(false)
    } finally {
      plain.cleanup()
    }
  })
})
