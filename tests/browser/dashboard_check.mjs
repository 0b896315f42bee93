// Drives the live dashboard in Debian's Chromium (playwright-core, no browser download):
// watches states change (cached, skipped, running, cancelled), cancels a job group with the token, checks that a factory named
// to inject markup shows as text, and measures first paint and update times.
// Usage: node dashboard_check.mjs URL TOKEN ARTIFACT_DIR [LIMIT_MS]
// With LIMIT_MS (a large pipeline), first paint (the median of three page loads) and the
// cancel's update must each take less than that.
import { chromium } from 'playwright-core';

const [url, token, artifacts, limitText] = process.argv.slice(2);
const limit = limitText ? Number(limitText) : Infinity;
const fail = (message) => { console.error(`dashboard_check: ${message}`); process.exit(1); };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  chromiumSandbox: false,
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  let dialogs = 0;
  page.on('dialog', (dialog) => { ++dialogs; dialog.dismiss(); });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  const stateOf = (name) => page.evaluate(
    (n) => [...document.querySelectorAll('svg g')].find((g) => g.dataset.node === n)
      ?.querySelector('.node-state')?.textContent, name);
  const waitState = async (name, state) => {
    try {
      await page.waitForFunction(
        ([n, s]) => [...document.querySelectorAll('svg g')].find((g) => g.dataset.node === n)
          ?.querySelector('.node-state')?.textContent === s, [name, state], { timeout: 20000 });
    } catch (error) {
      await page.screenshot({ path: `${artifacts}/failed-waiting.png`, fullPage: true });
      fail(`${name} did not become ${state} (it shows ${await stateOf(name)}; ` +
           `/dag says ${JSON.stringify(await page.evaluate(async () => (await (await fetch('/dag')).json())
             .factories.map((g) => [g.name, g.state])))})`);
    }
  };

  // First paint: from asking for the page to the pipeline drawn, the median of three loads
  // (one load alone measures whatever else the machine was doing at that moment).
  const paints = [];
  for (let load = 0; load < 3; ++load) {
    const opened = Date.now();
    await page.goto(url);
    await page.waitForSelector('svg g[data-node="Slow"]');
    paints.push(Date.now() - opened);
  }
  const firstPaint = [...paints].sort((a, b) => a - b)[1];
  await waitState('Prepare', 'cached');
  await waitState('Optional', 'skipped');
  await waitState('Slow', 'running');
  const why = (name) => page.evaluate((n) => [...document.querySelectorAll('svg g')]
    .find((g) => g.dataset.node === n)?.querySelector('title')?.textContent, name);
  if (!(await why('Prepare')).includes('served from the result cache')) fail('no cache hit shown');
  if (!(await why('Optional')).includes('never')) fail('no reason shown for the skip');
  if (await page.locator('svg .stage-name').count() < 3) fail('the stages are not drawn');
  if (await page.locator('svg .namespace-name', { hasText: 'namespace eu.orders' }).count() !== 1) {
    fail('the namespace eu.orders is not drawn around its factories');
  }
  const marked = '<img src=x onerror=alert(1)>';
  if (!(await page.evaluate((n) => [...document.querySelectorAll('svg title')]
    .some((t) => t.textContent === n), marked))) fail('the factory named with markup is not shown as text');
  if (await page.locator('img').count() !== 0) fail('markup from the run became an element');
  const progress = await page.evaluate(() => [...document.querySelectorAll('#groups tbody tr')]
    .find((row) => row.cells[0].textContent === 'dashboard')?.querySelector('progress'));
  if (!progress) fail('the run shows no progress');
  const [done, total] = await page.evaluate(() => {
    const bar = [...document.querySelectorAll('#groups tbody tr')]
      .find((row) => row.cells[0].textContent === 'dashboard').querySelector('progress');
    return [bar.value, bar.max];
  });
  if (!(total >= 6 && done === total - 1)) fail(`progress ${done}/${total}: all but Slow should be done`);
  await page.screenshot({ path: `${artifacts}/dashboard-running.png`, fullPage: true });

  // Cancel the run's group from its row, with the token typed into the form: the run and
  // the factory running in it end cancelled.
  await page.click('button[aria-label="Cancel dashboard"]');
  await page.fill('#token', token);
  const asked = Date.now();
  await page.click('#token-form button[type=submit]');
  await waitState('Slow', 'cancelled');
  const update = Date.now() - asked;
  await page.waitForFunction(() => [...document.querySelectorAll('#groups tbody tr')]
    .some((row) => row.cells[1].textContent === 'pipeline' &&
                   row.cells[2].querySelector('.state').textContent === 'cancelled'), null,
    { timeout: 20000 });
  await page.screenshot({ path: `${artifacts}/dashboard-cancelled.png`, fullPage: true });
  if (await page.evaluate(() => document.cookie + JSON.stringify(localStorage) +
                                JSON.stringify(sessionStorage) + location.href)
      .then((kept) => kept.includes(token))) fail('the token was kept outside the page');
  const narrow = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await narrow.goto(url);
  await narrow.waitForSelector('svg g[data-node="Slow"]');
  await narrow.screenshot({ path: `${artifacts}/dashboard-390x844.png`, fullPage: true });
  if (dialogs !== 0) fail('a dialog opened: markup from the run ran');
  if (errors.length) fail(`the page threw: ${errors.join('; ')}`);
  const factories = await page.evaluate(() => document.querySelectorAll('svg g').length);
  console.log(`dashboard_check: states, cancel and escaping work with ${factories} nodes; ` +
              `first paint ${firstPaint} ms (median of ${paints.join(', ')} ms), ` +
              `cancel shown after ${update} ms ` +
              `(Prepare ${await stateOf('Prepare')})`);
  if (firstPaint >= limit || update >= limit) {
    fail(`first paint ${firstPaint} ms or update ${update} ms is not under ${limit} ms`);
  }
} finally {
  await browser.close();
}
