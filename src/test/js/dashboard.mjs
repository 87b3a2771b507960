// Drives the admin dashboard in a real browser for DashboardTest (src/test/java/io/sluice/admin/DashboardTest.java):
//   node dashboard.mjs CHROMIUM ADMIN_URL CLUSTER SERVER_TO_DRAIN SCREENSHOT
// The Java test starts Sluice, two origins and a steady trickle of requests, runs this script, and checks the drain
// through /stats afterwards. Exits 0 when every check passed; otherwise prints what failed and exits 1.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const [chromiumPath, adminUrl, cluster, drained, screenshot] = process.argv.slice(2);
if (!screenshot) {
  console.error("usage: node dashboard.mjs CHROMIUM ADMIN_URL CLUSTER SERVER_TO_DRAIN SCREENSHOT");
  process.exit(2);
}
const WAIT = { timeout: 10_000 };

function step(text) {
  console.log(`[${new Date().toISOString().slice(11, 23)}] ${text}`);
}

/** The server rows of the cluster as [{address, state}], read from the page's data attributes. */
function serverRows(page) {
  return page.evaluate(c => [...document.querySelectorAll("tr[data-server]")]
    .filter(tr => tr.dataset.cluster === c)
    .map(tr => ({ address: tr.dataset.server, state: tr.dataset.state })), cluster);
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  headless: true,
  timeout: 20_000,
  // no sandbox (CI runs as root); nothing reaches out to Google's hosts, which this network refuses. Playwright gives
  // every launch a fresh, empty profile directory of its own.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", e => errors.push("page error: " + e.message));
  page.on("console", m => { if (m.type() === "error") errors.push("console: " + m.text()); });

  step(`open ${adminUrl}`);
  await page.goto(adminUrl);

  step("wait until the servers table shows both servers up");
  await page.waitForFunction(c => {
    const rows = [...document.querySelectorAll("tr[data-server]")].filter(tr => tr.dataset.cluster === c);
    return rows.length === 2 && rows.every(tr => tr.dataset.state === "up");
  }, cluster, WAIT).catch(async e => {
    throw new Error(`servers not both up: ${JSON.stringify(await serverRows(page))} (${e.message})`);
  });

  step("wait until the charts have points: the test's client connection, a pooled server connection, requests/s");
  await page.waitForFunction(() => {
    const chart = document.getElementById("conn-chart");
    const rps = document.getElementById("rps-chart");
    return Number(chart.dataset.points) >= 2 && chart.dataset.clients === "1" && Number(chart.dataset.servers) >= 1
      && chart.querySelector("polyline[data-series=clients]") && chart.querySelector("polyline[data-series=servers]")
      && Number(document.getElementById("rps").dataset.value) > 0 && rps.querySelector("polyline[data-series=rps]");
  }, null, WAIT);
  const shown = await page.evaluate(() => ({
    clients: document.getElementById("clients").textContent,
    servers: document.getElementById("servers").textContent,
    ratio: document.getElementById("ratio").textContent,
    rps: document.getElementById("rps").textContent,
    p50: document.getElementById("p50").textContent,
  }));
  step(`shown: ${JSON.stringify(shown)}`);
  assert.equal(shown.clients, "1");
  assert.match(shown.ratio, /^\d+\.\d : 1$/);
  assert.match(shown.rps, /^\d/);
  await page.waitForFunction(() => /^\d/.test(
    document.querySelector("tr[data-listener=web] td[data-field=rps]").textContent), null, WAIT);

  step("latency: a number when /stats has histograms, else a dash");
  const hasLatency = await page.evaluate(async () => {
    const stats = await (await fetch("stats")).json();
    return stats.listeners.some(l => l.latency);
  });
  if (hasLatency) {
    await page.waitForFunction(() => /ms|s$/.test(document.getElementById("p50").textContent), null, WAIT);
  } else {
    assert.equal(shown.p50, "–");
  }

  step("percentile function on fixed histograms");
  const le = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];
  const at = async counts => (await page.evaluate(([l, c]) => latencyPercentiles(l, c, [0.5, 0.9, 0.99]), [le, counts]))
    .map(v => v === null ? null : Math.round(v * 1000) / 1000);
  const buckets = (...pairs) => {
    const counts = new Array(14).fill(0);
    for (let i = 0; i < pairs.length; i += 2) counts[pairs[i]] = pairs[i + 1];
    return counts;
  };
  assert.deepEqual(await at(buckets()), [null, null, null], "empty: no percentiles");
  assert.deepEqual(await at(buckets(0, 100)), [0.5, 0.9, 0.99], "all in [0, 1] ms: spread evenly");
  assert.deepEqual(await at(buckets(2, 10, 3, 10)), [5, 9, 9.9], "half in (2.5, 5], half in (5, 10]");
  assert.deepEqual(await at(buckets(4, 98, 7, 2)), [17.653, 23.776, 175],
    "p99 lands in the (100, 250] bucket");
  assert.deepEqual(await at(buckets(13, 5)), [10000, 10000, 10000], "above the last bound: that bound");
  const deltas = await page.evaluate(() => [histogramDelta([1, 2, 3], [4, 2, 5]), histogramDelta(null, [1, 1]),
    histogramDelta([9, 9], [2, 10])]);
  assert.deepEqual(deltas, [[3, 0, 2], [1, 1], [2, 1]], "deltas; a counter that went down counts from zero");

  step(`drain ${drained} with its button`);
  await page.locator(`tr[data-server=${JSON.stringify(drained)}] button[data-action=drain]`).click(WAIT);
  await page.waitForFunction(a => [...document.querySelectorAll("tr[data-server]")]
    .some(tr => tr.dataset.server === a && tr.dataset.state === "draining"), drained, WAIT);
  const rows = await serverRows(page);
  step(`rows: ${JSON.stringify(rows)}`);
  assert.equal(rows.find(r => r.address === drained).state, "draining");
  assert.equal(rows.find(r => r.address !== drained).state, "up");
  assert.equal(await page.locator(`tr[data-server=${JSON.stringify(drained)}] .state`).textContent(), "draining");

  step("screenshot " + screenshot);
  await page.screenshot({ path: screenshot, fullPage: true });

  step("/stats refused: the page says disconnected, then recovers");
  await page.route("**/stats", route => route.abort());
  await page.waitForSelector("#status[data-state=disconnected]", WAIT);
  assert.match(await page.locator("#status").textContent(), /disconnected/);
  await page.unroute("**/stats");
  await page.waitForSelector("#status[data-state=connected]", WAIT);

  // the refused fetches above are logged by Chromium as errors of their own; only errors before them count
  const real = errors.filter(e => !/ERR_FAILED|Failed to fetch|net::/.test(e));
  assert.deepEqual(real, [], "no script errors in the page");
  step("ok");
} finally {
  await browser.close();
}
