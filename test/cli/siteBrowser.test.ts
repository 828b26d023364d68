import * as fs from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gmr } from '../helpers/cli.js'
import type { TempRepo } from '../helpers/gitRepo.js'
import { serveSite } from '../helpers/siteServer.js'
import { CHURN_ACCURACY, makeSiteRegistry } from '../helpers/siteRegistry.js'
import { hasTool } from '../helpers/tools.js'

/** As root and with no network, headless chromium needs these. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** What the page functions use of the browser's globals (the tests compile without the DOM library). */
interface BrowserGlobals {
  getComputedStyle(element: unknown): { backgroundColor: string }
}

let repo: TempRepo
let site: string
let browserDir: string
let browser: BrowserContext

/** A page that records every console error, uncaught exception and failed request. */
async function openPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`)
  })
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`))
  page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`))
  return { page, problems }
}

const fileUrl = (path: string) => pathToFileURL(join(site, path)).href
const visibleModels = (page: Page) => page.locator('#models tbody tr:visible td:first-child a').allTextContents()

describe.skipIf(!hasTool('chromium'))('the site in headless chromium', () => {
  beforeAll(async () => {
    repo = await makeSiteRegistry()
    site = join(repo.scratch, 'site')
    const built = await gmr(repo.dir, repo.env, ['site', '--out', site])
    expect(built.code, built.stderr).toBe(0)
    browserDir = mkdtempSync(join(tmpdir(), 'gmr-chromium-'))
    browser = await chromium.launchPersistentContext(browserDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    if (browserDir) rmSync(browserDir, { recursive: true, force: true })
    repo?.cleanup()
  })

  it('every page loads without console errors, and every link between pages resolves (anchors too)', async () => {
    const { page, problems } = await openPage()
    const queue = ['index.html']
    const visited = new Set<string>()
    const anchors: Array<{ from: string; page: string; id: string }> = []
    while (queue.length > 0) {
      const path = queue.shift()!
      if (visited.has(path)) continue
      visited.add(path)
      const response = await page.goto(fileUrl(path))
      expect(response?.ok(), path).toBe(true)
      expect(await page.locator('h1').count(), path).toBe(1)
      // The stylesheet applied: the header has its background.
      expect(await page.locator('header').evaluate((el) => (globalThis as unknown as BrowserGlobals).getComputedStyle(el).backgroundColor), path).toBe('rgb(246, 248, 250)')
      for (const href of await page.locator('a[href]').evaluateAll((links) => links.map((a) => a.getAttribute('href')!))) {
        const url = new URL(href, page.url())
        if (url.protocol !== 'file:') continue
        const target = fileURLToPath(url).slice(site.length + 1)
        expect(fs.existsSync(join(site, target)), `${path} links to ${target}`).toBe(true)
        if (url.hash) anchors.push({ from: path, page: target, id: decodeURIComponent(url.hash.slice(1)) })
        queue.push(target)
      }
    }
    const pages = fs.readdirSync(site, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.html'))
    expect([...visited].sort()).toEqual(pages.sort())
    for (const anchor of anchors) {
      await page.goto(fileUrl(anchor.page))
      expect(await page.locator(`[id="${anchor.id}"]`).count(), `${anchor.from} -> ${anchor.page}#${anchor.id}`).toBe(1)
    }
    expect(problems).toEqual([])
  })

  it('search and the tag filter narrow the models list, and a tag link opens it filtered', async () => {
    const { page, problems } = await openPage()
    await page.goto(fileUrl('index.html'))
    expect(await visibleModels(page)).toEqual(['churn-model', 'fraud-model', 'sentiment'])
    await expect.poll(() => page.locator('#count').textContent()).toBe('3 of 3 models')
    await page.fill('#q', 'FRAUD')
    expect(await visibleModels(page)).toEqual(['fraud-model'])
    await page.fill('#q', 'growth')
    expect(await visibleModels(page)).toEqual(['churn-model'])
    await page.fill('#q', '')
    await page.selectOption('#tag', 'tabular')
    expect(await visibleModels(page)).toEqual(['churn-model', 'fraud-model'])
    await page.fill('#q', 'churn')
    expect(await visibleModels(page)).toEqual(['churn-model'])
    expect(await page.locator('#count').textContent()).toBe('1 of 3 models')
    await page.fill('#q', 'no such model')
    expect(await visibleModels(page)).toEqual([])
    // The tag on a model page leads to the list filtered by it.
    await page.goto(fileUrl('models/sentiment.html'))
    await page.click('a.tag:has-text("nlp")')
    expect(await page.locator('#tag').inputValue()).toBe('nlp')
    expect(await visibleModels(page)).toEqual(['sentiment'])
    expect(problems).toEqual([])
  })

  it('the model page puts the aliases first, charts the versions values, renders the hostile card as text; screenshot', async () => {
    const { page, problems } = await openPage()
    await page.goto(fileUrl('models/churn-model.html'))
    expect(await page.locator('main h2').allTextContents()).toEqual(['Aliases', 'accuracy across versions', 'Versions', 'Model card'])
    expect(await page.locator('#alias-table tbody tr').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].slice(0, 4).map((c) => c.textContent)))).toEqual([
      ['production', 'v1', 'churn:v1', '0.84'],
      ['staging', 'v3', 'churn:v3', '0.88'],
    ])
    // The chart: one point per linked version with its value, written as text in the SVG.
    const points = page.locator('svg.chart g.point')
    expect(await points.evaluateAll((gs) => gs.map((g) => [g.getAttribute('data-version'), Number(g.getAttribute('data-value'))]))).toEqual(
      CHURN_ACCURACY.map((value, i) => [`v${i}`, value]),
    )
    expect(await page.locator('svg.chart text.value').allTextContents()).toEqual(CHURN_ACCURACY.map(String))
    expect((await page.locator('svg.chart').boundingBox())?.width).toBe(720)
    // The hostile card: visible as text, nothing ran, no dangerous link or handler exists.
    const card = page.locator('#card .card-body')
    expect(await card.locator('h3').textContent()).toBe('Churn model')
    expect(await card.textContent()).toContain('<script>window.pwned = 1</script>')
    expect(await card.textContent()).toContain('<img src="x" onerror="window.pwned = 2">')
    expect(await page.evaluate('window.pwned')).toBeUndefined()
    expect(await page.locator('[onerror], [onclick], [onload]').count()).toBe(0)
    expect(await page.locator('a[href^="javascript:" i], img[src^="javascript:" i]').count()).toBe(0)
    expect(await card.locator('a').evaluateAll((links) => links.map((a) => a.getAttribute('href')))).toEqual(['https://example.com/docs', '../index.html'])
    expect(await page.locator('.card-fields th').allTextContents()).toEqual(['owner', 'metric', 'license', 'datasets'])
    // Clicking through to the artifact version the production alias names.
    const shot = join(repo.scratch, 'model-page.png')
    await page.screenshot({ path: shot, fullPage: true })
    expect(fs.statSync(shot).size).toBeGreaterThan(10_000)
    await page.click('#alias-table a:has-text("churn:v1")')
    expect(page.url()).toBe(`${fileUrl('artifacts/churn.html')}#v1`)
    expect(await page.locator('details#v3 tbody tr').evaluateAll((rows) => rows.map((r) => r.textContent))).toEqual([
      '.gitattributes56 Bfile',
      'model.bin9 Bfile',
      'weights.safetensors4.1 KBfilelarge file (Git LFS)',
    ])
    expect(problems).toEqual([])
    process.stderr.write(`model page screenshot: ${shot}\n`)
  })

  it('gmr serve shows the same site over http', async () => {
    const served = await serveSite(repo.dir, repo.env)
    try {
      const { page, problems } = await openPage()
      await page.goto(served.url)
      expect(await visibleModels(page)).toEqual(['churn-model', 'fraud-model', 'sentiment'])
      await page.click('a:has-text("churn-model")')
      expect(page.url()).toBe(`${served.url}models/churn-model.html`)
      expect(await page.locator('svg.chart g.point').count()).toBe(CHURN_ACCURACY.length)
      expect(await page.evaluate('window.pwned')).toBeUndefined()
      expect(problems).toEqual([])
    } finally {
      expect((await served.stop()).code).toBe(0)
    }
  })
})
