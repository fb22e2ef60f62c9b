// End-to-end test of the staff web app in a real Chromium (issue 13).
//
// A real `hoctap-server` on loopback serves province 25 (Phú Thọ); two communes each get a
// hamlet and a roster (imported with `admin import roster`); one cadre device per commune is
// enrolled with the `hoctap` CLI, pulls its roster, scores assessments, attaches real phone
// photos (../shared/testdata/photos), finalizes and syncs. Then Chromium, driven through
// Playwright (playwright-core launching Debian's /usr/bin/chromium through its executablePath,
// headless, with a fresh profile), signs in as staff and checks what a person sees and
// downloads: dashboard figures, queue filters and search, a dossier with its photos, a return
// that reaches the device on its next sync, a bulk approval through its confirmation page, XLSX
// (opened by LibreOffice) and CSV (read by Python's csv module) exports, sign-out, and the place
// scoping of a commune reviewer (403 for the other commune's dossier, photo, API, dashboard).
//
// Run by tests/browser/run, which passes (environment):
//   HOCTAP_SERVER_BIN, HOCTAP_CLI_BIN   the two binaries
//   HOCTAP_PHOTOS                       the photo test data directory
//   HOCTAP_CHROMIUM                     the browser (default /usr/bin/chromium)
//   HOCTAP_SCREENSHOTS                  optional: a directory for PNG screenshots
// It prints one line per step and closes with "browser: N passed, N failed, N skipped".

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const SERVER = process.env.HOCTAP_SERVER_BIN;
const CLI = process.env.HOCTAP_CLI_BIN;
const PHOTOS = process.env.HOCTAP_PHOTOS;
const CHROMIUM = process.env.HOCTAP_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.HOCTAP_SCREENSHOTS ? resolve(process.env.HOCTAP_SCREENSHOTS) : null;
const YEAR = new Date().getUTCFullYear();
const PASSWORD = 'Mật khẩu thử nghiệm 2026';
const COMMENT = 'Điểm chỉ số 2.1 chưa có minh chứng — đề nghị chụp bổ sung giấy khen.';

const work = mkdtempSync(join(tmpdir(), 'hoctap-browser-'));
const children = [];

// Environment of the binaries: none of the caller's data locations or keys.
const childEnv = { ...process.env };
for (const k of ['HOCTAP_DATABASE_URL', 'HOCTAP_SERVER_DATA', 'HOCTAP_DATA', 'HOCTAP_KEY_FILE',
  'HOCTAP_PASSPHRASE', 'HOCTAP_SERVER_URL', 'HOCTAP_PASSWORD']) delete childEnv[k];

function run(bin, args, { input, env } = {}) {
  try {
    return execFileSync(bin, args, {
      input, env: { ...childEnv, ...env }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (e) {
    throw new Error(`${bin} ${args.join(' ')} failed (${e.status}):\n${e.stdout}\n${e.stderr}`);
  }
}
// A command with --json; a last argument that is an object holds run()'s options.
function json(bin, args) {
  const opts = typeof args[args.length - 1] === 'object' ? args.pop() : {};
  return JSON.parse(run(bin, [...args, '--json'], opts));
}
const srvData = join(work, 'server');
const admin = (...args) => json(SERVER, ['admin', '--data', srvData, ...args]);
const device = (name) => (...args) => json(CLI, ['--data', join(work, name), ...args]);

/// Start a child process and wait until `pattern` appears on stdout or stderr.
function startChild(bin, args, pattern, what) {
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let seen = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start:\n${seen}`)), 30000);
    const look = (buf) => {
      seen += buf.toString();
      const m = seen.match(pattern);
      if (m) { clearTimeout(timer); ok(m[1]); }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`${what} exited (${code}):\n${seen}`)); });
  });
}

// ---- the data the devices upload (the figures the pages must show follow from it) ----------

const COMMUNE_A = { code: '04831', name: 'Xã Đà Bắc', hamlet: 'Thôn Đông' };
const COMMUNE_B = { code: '04846', name: 'Xã Đức Nhàn', hamlet: 'Thôn Tây Sơn' };
const ROSTER = [
  // hamlet, code, head, member, birth year, sex, schooling, literate
  [COMMUNE_A.hamlet, 'H001', 'Nguyễn Văn Bình', 'Nguyễn Văn Bình', 1975, 'nam', '', 'có'],
  [COMMUNE_A.hamlet, 'H001', '', 'Trần Thị Hoa', 1978, 'nữ', '', 'có'],
  [COMMUNE_A.hamlet, 'H001', '', 'Nguyễn Thị Lan', YEAR - 12, 'nữ', 'đang đi học', 'có'],
  [COMMUNE_A.hamlet, 'H002', 'Đỗ Thị Hằng', 'Đỗ Thị Hằng', 1980, 'nữ', '', 'có'],
  [COMMUNE_A.hamlet, 'H002', '', 'Lê Văn Đức', 1979, 'nam', '', 'có'],
  [COMMUNE_A.hamlet, 'H003', 'Phạm Quốc Trường', 'Phạm Quốc Trường', 1958, 'nam', '', 'có'],
  [COMMUNE_B.hamlet, 'H101', 'Hoàng Văn Thái', 'Hoàng Văn Thái', 1970, 'nam', '', 'có'],
  [COMMUNE_B.hamlet, 'H101', '', 'Vũ Thị Ngọc Ánh', 1972, 'nữ', '', 'có'],
  [COMMUNE_B.hamlet, 'H102', 'Bùi Thị Xuân', 'Bùi Thị Xuân', 1990, 'nữ', '', 'có'],
];
const P = (dir, file) => join(PHOTOS, dir, file);
// Gia đình học tập (the template set: a practice result, never counted as passed) needs a photo
// for 2.2 and 3.1; Công dân học tập (cdht-324) passes at 80 with every indicator at 5 or more.
const GD_ANSWERS = { '1.2': 9, '1.3': 9, '2.2': 9, '2.3': 9, '3.1': 9, '3.2': 9, '4.1': true, '4.2': 9 };
const cd = (v) => Object.fromEntries(['1.1', '1.2', '1.3', '1.4', '2.1', '2.2', '2.3', '2.4', '3.1', '3.2'].map((k) => [k, v]));
const ASSESSMENTS = {
  devA: [
    { model: 'gia_dinh', subject: 'H001', name: 'Nguyễn Văn Bình', answers: GD_ANSWERS,
      photos: [['2.2', P('gps', 'DSCN0010.jpg')], ['3.1', P('phones', 'iphone6-3264x2448.jpg')]] },
    { model: 'gia_dinh', subject: 'H002', name: 'Đỗ Thị Hằng', answers: GD_ANSWERS,
      photos: [['2.2', P('orientation', 'Landscape_6.jpg')], ['3.1', P('orientation', 'Portrait_3.jpg')]] },
    { model: 'cong_dan', subject: 'Nguyễn Văn Bình', answers: cd(9), passes: true,
      photos: [['1.1', P('phones', 'nokia-8.3-4608x1976.jpg')]] },
    { model: 'cong_dan', subject: 'Trần Thị Hoa', answers: cd(8), passes: true, photos: [] },
    { model: 'cong_dan', subject: 'Đỗ Thị Hằng', answers: cd(5), passes: false, photos: [] },
  ],
  devB: [
    { model: 'gia_dinh', subject: 'H101', name: 'Hoàng Văn Thái', answers: GD_ANSWERS,
      photos: [['2.2', P('phones', 'phone-12mp-4032x3024.jpg')], ['3.1', P('gps', 'DSCN0021.jpg')]] },
    { model: 'cong_dan', subject: 'Hoàng Văn Thái', answers: cd(10), passes: true, photos: [] },
    { model: 'cong_dan', subject: 'Vũ Thị Ngọc Ánh', answers: cd(7), passes: false, photos: [] },
  ],
};
const adultsIn = (hamlet) => ROSTER.filter((r) => r[0] === hamlet && YEAR - r[4] >= 18).length;
const householdsIn = (hamlet) => new Set(ROSTER.filter((r) => r[0] === hamlet).map((r) => r[1])).size;

// What the steps learn and share.
const S = { ids: {} };

// ---- a tiny step runner: each step passes, fails or is skipped (after a failed setup) ------

const results = { passed: 0, failed: 0, skipped: 0 };
let setupFailed = false;
async function step(name, fn, { setup = false } = {}) {
  if (setupFailed) {
    results.skipped += 1;
    console.log(`SKIP ${name} (setup failed)`);
    return;
  }
  const t0 = Date.now();
  try {
    await fn();
    results.passed += 1;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.failed += 1;
    console.log(`FAIL ${name}\n${(e && e.stack) || e}`.replace(/\n/g, '\n     '));
    if (setup) setupFailed = true;
  }
}

async function shot(page, file) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, file), fullPage: true });
}

async function login(context, loginName) {
  const page = await context.newPage();
  await page.goto('/login');
  // The form carries the double-submit CSRF token the login cookie holds.
  const cookies = await context.cookies();
  const csrfCookie = cookies.find((c) => c.name === 'hoctap_login_csrf');
  assert.ok(csrfCookie, 'GET /login sets hoctap_login_csrf');
  assert.equal(await page.inputValue('input[name=csrf]'), csrfCookie.value);
  await page.fill('input[name=login]', loginName);
  await page.fill('input[name=password]', PASSWORD);
  await Promise.all([page.waitForURL('**/dashboard'), page.click('button[type=submit]')]);
  return page;
}

/// The figures table of the dashboard: model title → {assessed, passed, approved, denominator}.
async function dashboardFigures(page) {
  return page.$$eval('main table:first-of-type tbody tr', (rows) => Object.fromEntries(rows.map((tr) => {
    const td = [...tr.querySelectorAll('td')].map((c) => c.textContent.trim());
    const n = (s) => Number(s.replace(/\./g, ''));
    return [td[0], { registered: td[1], assessed: n(td[2]), passed: n(td[3]), approved: n(td[4]),
      denominator: n(td[5]), percent: td[7] }];
  })));
}

const queueCount = async (page) => Number((await page.textContent('main p strong')).replace(/\./g, ''));
const queueNames = (page) => page.$$eval('main table tbody tr td:first-child a', (as) => as.map((a) => a.textContent.trim()));

// ---- the run ---------------------------------------------------------------------------------

let ctx;
let base;
try {
  await step('server: province 25, two communes, rosters, targets, staff accounts', async () => {
    for (const [v, what] of [[SERVER, 'HOCTAP_SERVER_BIN'], [CLI, 'HOCTAP_CLI_BIN'], [PHOTOS, 'HOCTAP_PHOTOS']]) {
      assert.ok(v && existsSync(v), `${what} is set and exists`);
    }
    run(SERVER, ['admin', '--data', srvData, 'init', '--province', '25']);
    for (const c of [COMMUNE_A, COMMUNE_B]) {
      c.hamletId = admin('hamlet', 'add', c.hamlet, '--commune', c.code).id;
    }
    const csv = ['hamlet,household,head,member,birth_year,sex,schooling,literate',
      ...ROSTER.map((r) => r.join(','))].join('\n') + '\n';
    writeFileSync(join(work, 'roster.csv'), csv);
    const imported = admin('import', 'roster', join(work, 'roster.csv'));
    assert.equal(imported.members_added, ROSTER.length);
    const targetsFile = resolve(import.meta.dirname, '../../criteria/targets/25-phu-tho-1767.toml');
    admin('targets', 'load', targetsFile);
    const env = { HOCTAP_PASSWORD: PASSWORD };
    admin('user', 'add', 'tinh', '--role', 'province_admin', '--name', 'Lê Thị Phương Thảo', { env });
    admin('user', 'add', 'dabac', '--role', 'commune_reviewer', '--commune', COMMUNE_A.code,
      '--name', 'Hà Văn Đạt', { env });
    base = 'http://' + await startChild(SERVER, ['serve', '--data', srvData, '--listen', '127.0.0.1:0'],
      /listening on http:\/\/(\S+)/, 'hoctap-server');
  }, { setup: true });

  await step('devices: enroll one per commune, score, attach real photos, finalize, sync', async () => {
    for (const [name, c] of [['devA', COMMUNE_A], ['devB', COMMUNE_B]]) {
      const dev = device(name);
      const code = admin('enroll-code', '--hamlet', c.hamletId, '--server', base).code;
      const enrolled = dev('enroll', base, code);
      assert.equal(enrolled.scope.commune_code, c.code);
      const first = dev('sync');
      assert.equal(first.outcome, 'done');
      const households = dev('household', 'list');
      assert.equal(households.length, householdsIn(c.hamlet));
      const members = {};
      for (const h of households) {
        for (const m of dev('household', 'show', h.id).members) members[m.name] = m.id;
      }
      for (const a of ASSESSMENTS[name]) {
        const subject = a.model === 'gia_dinh' ? a.subject : members[a.subject];
        assert.ok(subject, `subject ${a.subject} on ${name}`);
        const criteria = a.model === 'gia_dinh' ? 'template-gia-dinh' : 'cdht-324';
        const started = dev('assess', subject, '--criteria', criteria, '--year', String(YEAR),
          '--answers', '-', { input: JSON.stringify({ items: a.answers }) });
        const id = started.assessment.id;
        for (const [item, file] of a.photos) dev('evidence', 'add', id, item, file);
        const fin = dev('finalize', id);
        if (a.model === 'cong_dan') assert.equal(fin.evaluation.status, a.passes ? 'passed' : 'failed');
        a.id = id;
        S.ids[`${a.model}:${a.name || a.subject}`] = id;
      }
      const synced = dev('sync');
      assert.equal(synced.outcome, 'done', JSON.stringify(synced));
      assert.equal(synced.report.sent, ASSESSMENTS[name].length, JSON.stringify(synced.report));
      assert.equal(synced.outbox.sent, ASSESSMENTS[name].length);
    }
  }, { setup: true });

  await step('chromium: headless, fresh profile, driven by playwright-core', async () => {
    // A fresh profile (--user-data-dir) each run; Playwright starts the browser with it.
    const profile = join(work, 'chromium-profile');
    mkdirSync(profile);
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      baseURL: base, acceptDownloads: true, viewport: { width: 1280, height: 860 }, locale: 'vi-VN',
      timeout: 60000,
    });
    ctx.setDefaultTimeout(20000);
  }, { setup: true });

  let page;
  await step('province admin signs in through the login form (CSRF cookie + hidden field)', async () => {
    page = await login(ctx, 'tinh');
    assert.match(await page.textContent('header .who'), /Lê Thị Phương Thảo · .* · Phú Thọ/);
  }, { setup: true });

  const all = [...ASSESSMENTS.devA, ...ASSESSMENTS.devB];
  const count = (list, model, pred = () => true) => list.filter((a) => a.model === model && pred(a)).length;
  const expected = (list, hamlets) => ({
    'Gia đình học tập': { assessed: count(list, 'gia_dinh'), passed: 0, approved: 0,
      denominator: hamlets.reduce((n, h) => n + householdsIn(h), 0) },
    'Công dân học tập': { assessed: count(list, 'cong_dan'), passed: count(list, 'cong_dan', (a) => a.passes),
      approved: 0, denominator: hamlets.reduce((n, h) => n + adultsIn(h), 0) },
    'Cộng đồng học tập': { assessed: 0, passed: 0, approved: 0, denominator: hamlets.length },
  });
  const checkFigures = (got, want) => {
    for (const [model, w] of Object.entries(want)) {
      assert.ok(got[model], `row ${model} in ${JSON.stringify(Object.keys(got))}`);
      for (const k of Object.keys(w)) assert.equal(got[model][k], w[k], `${model} ${k}`);
    }
  };

  await step('dashboard: the province figures are what the devices uploaded', async () => {
    await page.goto(`/dashboard?year=${YEAR}`);
    assert.equal(await page.textContent('h1'), `Tổng quan năm ${YEAR} — Toàn tỉnh`);
    const got = await dashboardFigures(page);
    checkFigures(got, expected(all, [COMMUNE_A.hamlet, COMMUNE_B.hamlet]));
    assert.equal(got['Gia đình học tập'].registered, 'chưa thu');
    // One row per commune of the province (started or not), named with its diacritics,
    // linking to that commune's dashboard.
    const places = await page.$$eval('main table:nth-of-type(2) tbody tr td:first-child a',
      (as) => as.map((a) => [a.textContent.trim(), a.getAttribute('href')]));
    const official = admin('units', '--province', '25').map((c) => c.name).sort();
    assert.deepEqual(places.map((p) => p[0]).sort(), official);
    for (const c of [COMMUNE_A, COMMUNE_B]) assert.ok(places.some((p) => p[0] === c.name), c.name);
    await shot(page, 'dashboard.png');
    // The commune's own dashboard, reached by its link.
    await page.click(`a:text-is("${COMMUNE_A.name}")`);
    assert.match(page.url(), new RegExp(`commune=${COMMUNE_A.code}`));
    checkFigures(await dashboardFigures(page), expected(ASSESSMENTS.devA, [COMMUNE_A.hamlet]));
    const completeness = await page.$$eval('main table:nth-of-type(3) tbody tr',
      (rows) => rows.map((tr) => [...tr.querySelectorAll('td')].map((c) => c.textContent.trim())));
    assert.deepEqual(completeness, [[COMMUNE_A.hamlet, String(householdsIn(COMMUNE_A.hamlet)),
      String(count(ASSESSMENTS.devA, 'gia_dinh')), '0', String(householdsIn(COMMUNE_A.hamlet) - count(ASSESSMENTS.devA, 'gia_dinh'))]]);
  });

  await step('queue: filter by model, search a name with and without diacritics', async () => {
    await page.goto('/queue');
    assert.equal(await queueCount(page), all.length);
    await page.selectOption('select[name=model]', 'cong_dan');
    await Promise.all([page.waitForURL(/model=cong_dan/), page.click('form.filters button[type=submit]')]);
    assert.equal(await queueCount(page), count(all, 'cong_dan'));
    assert.deepEqual((await queueNames(page)).sort(),
      all.filter((a) => a.model === 'cong_dan').map((a) => a.subject).sort());
    await shot(page, 'queue.png');
    for (const q of ['Đỗ Thị Hằng', 'do thi hang']) {
      await page.fill('input[name=q]', q);
      await Promise.all([page.waitForURL(/q=/), page.click('form.filters button[type=submit]')]);
      assert.equal(await queueCount(page), 1, `search ${q}`);
      assert.deepEqual(await queueNames(page), ['Đỗ Thị Hằng']);
      assert.equal(await page.inputValue('input[name=q]'), q, 'the search box keeps the text');
    }
    // The same filter through the JSON API.
    const api = await (await page.request.get('/api/v1/staff/queue?model=cong_dan&q=%C4%91%E1%BB%97')).json();
    assert.equal(api.total, 1);
    assert.equal(api.rows[0].subject_name, 'Đỗ Thị Hằng');
  });

  await step('dossier: a photo preview is drawn and the full-size photo is a JPEG', async () => {
    await page.goto('/queue?model=gia_dinh&q=H001');
    assert.equal(await queueCount(page), 1);
    await Promise.all([page.waitForURL(/\/assessments\//), page.click('main table tbody tr td:first-child a')]);
    assert.equal(page.url(), `${base}/assessments/${S.ids['gia_dinh:Nguyễn Văn Bình']}`);
    assert.equal(await page.textContent('h1'), `Nguyễn Văn Bình — Gia đình học tập ${YEAR}`);
    // Indicators computed from the roster (1.1: children at school, 2.1: adults literate) show
    // the engine's value, not a dash; the answered ones the cadre's.
    const answerOf = (item) => page.$$eval('main table tbody tr', (rows, id) => rows
      .filter((tr) => tr.querySelector('td strong')?.textContent === id)
      .map((tr) => tr.querySelectorAll('td')[1].textContent.replace(/\s+/g, ' ').trim()), item);
    assert.deepEqual(await answerOf('1.1'), ['10 / 10']);
    assert.deepEqual(await answerOf('2.1'), ['10 / 10']);
    assert.deepEqual(await answerOf('1.2'), ['9 / 10']);
    assert.deepEqual(await answerOf('4.1'), ['Có / 10']);
    const photos = page.locator('div.photos figure img');
    assert.equal(await photos.count(), 2);
    for (let i = 0; i < 2; i += 1) {
      const img = photos.nth(i);
      await img.scrollIntoViewIfNeeded();
      await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle(), { timeout: 15000 });
      const w = await img.evaluate((el) => Math.max(el.naturalWidth, el.naturalHeight));
      assert.equal(w, 320, 'a preview is 320 px on its long side');
    }
    const href = await page.locator('div.photos figure a').first().getAttribute('href');
    const full = await page.request.get(href);
    assert.equal(full.status(), 200);
    assert.equal(full.headers()['content-type'], 'image/jpeg');
    const bytes = await full.body();
    assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    S.photoA = href;
    // The full-size photo opens in the browser too (the link's target is a new tab).
    const [tab] = await Promise.all([ctx.waitForEvent('page'), page.locator('div.photos figure a').first().click()]);
    await tab.waitForLoadState();
    const size = await tab.evaluate(() => { const i = document.querySelector('img'); return [i.naturalWidth, i.naturalHeight]; });
    assert.equal(Math.max(...size), 1600, 'the stored photo is 1600 px on its long side');
    await tab.close();
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'dossier.png');
  });

  await step('return with a comment → the device receives it on its next sync', async () => {
    const id = S.ids['cong_dan:Đỗ Thị Hằng'];
    await page.goto(`/assessments/${id}`);
    await page.fill('textarea[name=comment]', COMMENT);
    await Promise.all([page.waitForURL(`**/assessments/${id}`), page.click('button[value=return]')]);
    assert.match(await page.textContent('main .card'), /Đã trả lại/);
    assert.ok((await page.textContent('main')).includes(COMMENT), 'the thread shows the comment');
    const dev = device('devA');
    const synced = dev('sync');
    assert.equal(synced.outcome, 'done');
    assert.equal(synced.report.pulled.returned, 1, JSON.stringify(synced.report));
    const item = dev('outbox').items.find((i) => i.id === id);
    assert.equal(item.state, 'needs_correction');
    assert.equal(item.detail, COMMENT);
    assert.equal(item.subject_name, 'Đỗ Thị Hằng');
    const shown = dev('show', id);
    assert.deepEqual(shown.comments.map((c) => c.body), [COMMENT]);
    const text = run(CLI, ['--data', join(work, 'devA'), 'outbox']);
    assert.ok(text.includes(COMMENT), `the outbox text shows the comment:\n${text}`);
  });

  await step('bulk approve a filtered set through the confirmation page that shows its count', async () => {
    await page.goto(`/queue?commune=${COMMUNE_A.code}&model=cong_dan&state=received&year=${YEAR}`);
    const want = ASSESSMENTS.devA.filter((a) => a.model === 'cong_dan' && a.subject !== 'Đỗ Thị Hằng');
    assert.equal(await queueCount(page), want.length);
    await Promise.all([page.waitForURL(/\/queue\/bulk\?action=approve/), page.click('a.button:has-text("Duyệt tất cả")')]);
    assert.equal(await page.textContent('main p strong'), `${want.length} phiếu`);
    assert.equal(await page.inputValue('input[name=expected]'), String(want.length));
    await Promise.all([page.waitForURL(/\/queue\?/), page.click(`button:text-is("Duyệt ${want.length} phiếu")`)]);
    assert.equal(await queueCount(page), 0, 'nothing of the filter is left waiting');
    await page.goto(`/queue?commune=${COMMUNE_A.code}&model=cong_dan&state=accepted`);
    assert.deepEqual((await queueNames(page)).sort(), want.map((a) => a.subject).sort());
    // The dashboard counts them as approved.
    await page.goto(`/dashboard?year=${YEAR}`);
    const got = await dashboardFigures(page);
    assert.equal(got['Công dân học tập'].approved, want.length);
    const adults = adultsIn(COMMUNE_A.hamlet) + adultsIn(COMMUNE_B.hamlet);
    const pct = Math.round((1000 * want.length) / adults) / 10;
    assert.equal(got['Công dân học tập'].percent, `${String(pct).replace('.', ',')} %`);
    S.approved = want.length;
  });

  const downloadsDir = join(work, 'downloads');
  mkdirSync(downloadsDir);
  async function download(p, selector) {
    const [dl] = await Promise.all([p.waitForEvent('download'), p.click(selector)]);
    assert.equal(await dl.failure(), null);
    const file = join(downloadsDir, dl.suggestedFilename());
    await dl.saveAs(file);
    return file;
  }
  const libreCsv = (xlsx) => {
    const out = join(work, 'lo-out');
    mkdirSync(out, { recursive: true });
    // Field separator, text delimiter, UTF-8, first line; values as shown.
    run('libreoffice', [`-env:UserInstallation=file://${join(work, 'lo-profile')}`, '--headless',
      '--convert-to', 'csv:Text - txt - csv (StarCalc):44,34,76,1', '--outdir', out, xlsx]);
    const name = xlsx.split('/').pop().replace(/\.xlsx$/, '.csv');
    return pyCsv(join(out, name), 'utf-8');
  };
  // Python's csv module reads the file: [bom, rows].
  function pyCsv(file, encoding) {
    const code = 'import csv, json, sys\n' +
      'raw = open(sys.argv[1], "rb").read()\n' +
      'with open(sys.argv[1], newline="", encoding=sys.argv[2]) as f:\n' +
      '    rows = list(csv.reader(f))\n' +
      'print(json.dumps({"bom": raw.startswith(b"\\xef\\xbb\\xbf"), "rows": rows}, ensure_ascii=False))\n';
    return JSON.parse(run('python3', ['-c', code, file, encoding]));
  }
  const numText = (x) => (x === null || x === undefined ? '' : String(x));

  await step('report XLSX (downloaded) opened by LibreOffice equals the report', async () => {
    await page.goto(`/reports?year=${YEAR}`);
    const file = await download(page, 'a:text-is("Tải Excel (XLSX)")');
    assert.match(file, new RegExp(`bao-cao-${YEAR}-tinh\\.xlsx$`));
    const { rows } = libreCsv(file);
    const report = await (await page.request.get(`/api/v1/staff/report?year=${YEAR}`)).json();
    assert.equal(rows[0][0], 'Mã nơi');
    assert.equal(rows[0][9], 'Tỷ lệ đã duyệt (%)');
    const titles = { gia_dinh: 'Gia đình học tập', dong_ho: 'Dòng họ học tập', cong_dong: 'Cộng đồng học tập',
      don_vi: 'Đơn vị học tập', cong_dan: 'Công dân học tập' };
    const want = [];
    for (const r of report.rows) for (const f of r.figures) want.push([r.place, r.name, f]);
    for (const f of report.total) want.push(['TONG', 'Cộng — Toàn tỉnh', f]);
    assert.equal(rows.length - 1, want.length);
    want.forEach(([code, name, f], i) => {
      const row = rows[i + 1];
      assert.deepEqual(row.slice(0, 3), [code, name, titles[f.model]], `row ${i + 1}`);
      assert.deepEqual(row.slice(3, 8).map((c) => c), ['chưa thu', ...[f.assessed, f.passed, f.approved, f.denominator].map(String)], `row ${i + 1}`);
      assert.equal(numText(row[9] === '' ? null : Number(row[9])), numText(f.percent_approved), `percent row ${i + 1}`);
      assert.equal(row[10] === '' ? null : Number(row[10]), f.target ? f.target.percent : null, `target row ${i + 1}`);
    });
    // What was uploaded and approved, in the spreadsheet.
    const total = (model) => rows.find((r) => r[0] === 'TONG' && r[2] === titles[model]);
    assert.deepEqual(total('cong_dan').slice(4, 8), [String(count(all, 'cong_dan')), String(count(all, 'cong_dan', (a) => a.passes)),
      String(S.approved), String(adultsIn(COMMUNE_A.hamlet) + adultsIn(COMMUNE_B.hamlet))]);
    assert.ok(rows.some((r) => r[1] === COMMUNE_B.name), 'commune names keep their diacritics');
  });

  await step('queue CSV (downloaded) read by Python csv: BOM, rows equal the queue, diacritics intact', async () => {
    await page.goto(`/queue?year=${YEAR}&sort=name`);
    const file = await download(page, 'a:text-is("Tải CSV")');
    const { bom, rows } = pyCsv(file, 'utf-8-sig');
    assert.equal(bom, true, 'the CSV starts with a UTF-8 BOM');
    assert.equal(rows[0][0], 'Mã phiếu', 'utf-8-sig strips the BOM from the first header');
    assert.equal(rows[0].length, 19);
    const api = await (await page.request.get(`/api/v1/staff/queue?year=${YEAR}`)).json();
    assert.equal(rows.length - 1, all.length);
    assert.equal(api.total, all.length);
    const byId = Object.fromEntries(rows.slice(1).map((r) => [r[0], r]));
    for (const q of api.rows) {
      const r = byId[q.id];
      assert.ok(r, `row for ${q.id}`);
      assert.equal(r[4], q.subject_name);
      assert.equal(r[6], q.hamlet);
      assert.equal(r[7], q.commune_code);
      assert.equal(Number(r[9]), q.server_total / 100);
      assert.equal(Number(r[10]), q.device_total / 100);
      assert.equal(r[16], { received: 'Chờ duyệt', returned: 'Đã trả lại', accepted: 'Đã duyệt' }[q.review_state]);
    }
    for (const a of all) {
      const r = byId[a.id];
      assert.ok(r, `uploaded ${a.id} is exported`);
      assert.equal(r[4], a.name || a.subject);
    }
    assert.equal(byId[S.ids['cong_dan:Đỗ Thị Hằng']][16], 'Đã trả lại');
    assert.equal(byId[S.ids['cong_dan:Vũ Thị Ngọc Ánh']][8], COMMUNE_B.name);
  });

  await step('queue XLSX (downloaded) opened by LibreOffice: names and scores equal the CSV', async () => {
    await page.goto(`/queue?year=${YEAR}&model=cong_dan`);
    const file = await download(page, 'a:text-is("Tải Excel")');
    const { rows } = libreCsv(file);
    const want = all.filter((a) => a.model === 'cong_dan');
    assert.equal(rows.length - 1, want.length);
    for (const a of want) {
      const r = rows.find((x) => x[0] === a.id);
      assert.ok(r, `row ${a.id}`);
      assert.equal(r[4], a.subject);
      const total = Object.values(a.answers).reduce((s, v) => s + v, 0);
      assert.equal(Number(r[9]), total, `server score of ${a.subject}`);
      assert.equal(Number(r[10]), total, `device score of ${a.subject}`);
      assert.match(r[18], /^\d\d\/\d\d\/\d{4} \d\d:\d\d$/, 'received at, as a date and time');
    }
  });

  await step('commune reviewer of A: 403 for commune B by URL, API and dashboard', async () => {
    const idB = S.ids['gia_dinh:Hoàng Văn Thái'];
    const shaB = (await (await page.request.get(`/api/v1/staff/assessments/${idB}`)).json()).photos[0][0];
    // The province admin signs out; the session is gone.
    await page.goto('/dashboard');
    await Promise.all([page.waitForURL('**/login'), page.click('header button:text-is("Đăng xuất")')]);
    assert.equal((await page.request.get('/api/v1/staff/report')).status(), 401);
    await page.goto('/queue');
    assert.match(page.url(), /\/login\?next=%2Fqueue$/);
    await page.close();
    const rp = await login(ctx, 'dabac');
    // Their own commune works.
    await rp.goto('/queue');
    assert.equal(await queueCount(rp), ASSESSMENTS.devA.length);
    const own = await rp.goto(`/assessments/${S.ids['gia_dinh:Nguyễn Văn Bình']}`);
    assert.equal(own.status(), 200);
    assert.equal((await rp.request.get(S.photoA)).status(), 200);
    // Commune B's dossier, photo, API and dashboard are refused.
    const dossier = await rp.goto(`/assessments/${idB}`);
    assert.equal(dossier.status(), 403);
    assert.equal(await rp.textContent('h1'), 'Không có quyền');
    const photo = await rp.goto(`/assessments/${idB}/photos/${shaB}`);
    assert.equal(photo.status(), 403);
    assert.equal((await rp.request.get(`/assessments/${idB}/photos/${shaB}?size=preview`)).status(), 403);
    const api = await rp.request.get(`/api/v1/staff/assessments/${idB}`);
    assert.equal(api.status(), 403);
    assert.equal((await api.json()).code, 'forbidden');
    const dash = await rp.goto(`/dashboard?commune=${COMMUNE_B.code}`);
    assert.equal(dash.status(), 403);
    assert.equal((await rp.request.get(`/api/v1/staff/report?commune=${COMMUNE_B.code}`)).status(), 403);
    assert.equal((await rp.request.get(`/exports/queue.csv?commune=${COMMUNE_B.code}`)).status(), 403);
    // Nor can they decide on it.
    const csrf = await rp.goto('/dashboard').then(() => rp.inputValue('header input[name=csrf]'));
    const decide = await rp.request.post(`/assessments/${idB}/decide`, { form: { csrf, action: 'approve', comment: '' } });
    assert.equal(decide.status(), 403);
  });
} finally {
  if (ctx) await ctx.close().catch(() => {});
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  if (!process.env.HOCTAP_KEEP) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

console.log(`browser: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
process.exit(results.failed > 0 || results.skipped > 0 ? 1 : 0);
