// Saves README screenshots of the Attributions and Segmentation tabs (docs/attributions.png,
// docs/segmentation.png). Not a test. Build and serve the page first, then:
//   npx vite build && npx vite preview --port 4173 &
//   npx vite-node scripts/screenshots-explain.ts -- [--url http://127.0.0.1:4173/]
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, resolveChromium } from '../e2e/chromium';
import { flagString, parseArgs } from '../src/cli/args';

async function main(): Promise<void> {
  const args = parseArgs(['screenshots', ...process.argv.slice(2)]);
  const url = flagString(args, 'url') ?? 'http://127.0.0.1:4173/';
  const browser = await chromium.launch({ executablePath: resolveChromium(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await page.goto(url);
    await page.getByTestId('model-summary').waitFor({ timeout: 120_000 });

    await page.getByTestId('tab-attributions').click();
    await page.getByTestId('ig-input').fill('北京是中国的[MASK]都。');
    await page.getByTestId('ig-target-token').fill('首');
    await page.getByTestId('ig-run').click();
    await page.getByTestId('ig-result').waitFor({ timeout: 120_000 });
    await page.locator('.app').screenshot({ path: 'docs/attributions.png' });

    await page.getByTestId('tab-segmentation').click();
    await page.getByTestId('seg-input').fill('今天天气很好我们一起去公园散步');
    await page.getByTestId('seg-run').click();
    await page.getByTestId('seg-result').waitFor({ timeout: 120_000 });
    await page.locator('.app').screenshot({ path: 'docs/segmentation.png' });
    process.stdout.write('wrote docs/attributions.png and docs/segmentation.png\n');
  } finally {
    await browser.close();
  }
}

main().catch((e) => {
  process.stderr.write(`screenshots failed: ${(e as Error).message}\n`);
  process.exit(1);
});
