// The journeys of Factoría's users in headless Chromium, against a running server that
// `tests/tests/e2e/pages.rs` starts and seeds. Every page visited is checked with axe (WCAG 2.2
// AA rules), at 320 CSS pixels for horizontal scrolling, and saved for the Nu HTML checker,
// which runs once at the end. Screenshots and pages go to FACTORIA_ARTIFACTS.
//
// Environment: FACTORIA_URL, FACTORIA_OUTBOX (folder of the file mail transport),
// FACTORIA_ARTIFACTS, FACTORIA_PASSWORD, FACTORIA_OFFICER, FACTORIA_ADMIN, FACTORIA_CHALLENGE
// (a published Spanish challenge of the officer's department about water leaks), and
// optionally FACTORIA_CHROMIUM (the browser's executable).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const BASE = env('FACTORIA_URL');
const OUTBOX = env('FACTORIA_OUTBOX');
const ARTIFACTS = env('FACTORIA_ARTIFACTS');
const PASSWORD = env('FACTORIA_PASSWORD');
const OFFICER = env('FACTORIA_OFFICER');
const ADMIN = env('FACTORIA_ADMIN');
const CHALLENGE = env('FACTORIA_CHALLENGE');
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STARTUP = { name: 'Claire Kowalski', email: 'claire@aquaear.example', company: 'AquaEar Labs Ltd' };

/** The Chromium to drive: FACTORIA_CHROMIUM, else the first one on the PATH. */
function chromiumPath() {
  if (process.env.FACTORIA_CHROMIUM) return process.env.FACTORIA_CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    if (found) return found;
  }
  throw new Error('no Chromium found: install it (apt-get install chromium) or set FACTORIA_CHROMIUM');
}

let browser;
const checked = [];

before(async () => {
  for (const dir of ['html', 'screens']) fs.mkdirSync(path.join(ARTIFACTS, dir), { recursive: true });
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
});

/** A fresh browser profile (no cookies), Spanish unless told otherwise. */
async function newPage({ locale = 'es-ES', javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ locale, javaScriptEnabled, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.cspViolations = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/.test(message.text())) page.cspViolations.push(message.text());
  });
  page.on('pageerror', (error) => page.cspViolations.push(`script error: ${error.message}`));
  return page;
}

/**
 * Checks the page as it is now: no axe violation of WCAG 2.2 A/AA rules, no horizontal
 * scrolling at 320 CSS pixels, no CSP violation; saves its HTML and screenshots.
 */
async function check(page, name) {
  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } }),
  );
  const violations = results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
  assert.deepEqual(violations, [], `axe on ${name} (${page.url()})`);
  assert.deepEqual(page.cspViolations, [], `content security policy on ${name}`);
  fs.writeFileSync(path.join(ARTIFACTS, 'html', `${name}.html`), await page.content());
  await page.screenshot({ path: path.join(ARTIFACTS, 'screens', `${name}.png`), fullPage: true });
  const viewport = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.screenshot({ path: path.join(ARTIFACTS, 'screens', `${name}-320.png`), fullPage: true });
  await page.setViewportSize(viewport);
  assert.ok(overflow <= 0, `${name} scrolls sideways by ${overflow}px at 320px wide`);
  checked.push(name);
}

/** Text of the notice left by the last form. */
async function notice(page) {
  return (await page.locator('.notice').first().textContent())?.trim() ?? '';
}

/** Decodes the quoted-printable body of an email file. */
function decodeQuotedPrintable(text) {
  const bytes = [];
  const soft = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === '=' && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(soft[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The first link to `pathPrefix` in the newest email to `to` that contains it (waits 30 s). */
async function linkFromEmail(to, pathPrefix) {
  const escaped = pathPrefix.replace(/[.?*+^$[\]\\(){}|-]/g, '\\$&');
  const pattern = new RegExp(`https?://[^\\s"<>]*${escaped}[^\\s"<>]*`);
  for (let waited = 0; waited < 30_000; waited += 250) {
    const files = fs.existsSync(OUTBOX) ? fs.readdirSync(OUTBOX).filter((f) => f.endsWith('.eml')) : [];
    const messages = files
      .map((f) => ({ f, mtime: fs.statSync(path.join(OUTBOX, f)).mtimeMs, text: decodeQuotedPrintable(fs.readFileSync(path.join(OUTBOX, f), 'utf8')) }))
      .filter((m) => new RegExp(`^To: .*${to.replace(/[.+]/g, '\\$&')}`, 'mi').test(m.text))
      .sort((a, b) => b.mtime - a.mtime);
    for (const m of messages) {
      const found = m.text.match(pattern);
      if (found) return found[0].replace(/&amp;/g, '&');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no email to ${to} with a link to ${pathPrefix} in ${OUTBOX}`);
}

async function signIn(page, email) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel(/Correo electrónico|Email address/).fill(email);
  await page.getByLabel(/^Contraseña$|^Password$/).fill(PASSWORD);
  await page.getByRole('button', { name: /^(Entrar|Sign in)$/ }).click();
  await page.waitForLoadState();
}

test('a visitor finds a Spanish challenge with an English search, and reads it in either language', async () => {
  const page = await newPage();
  await page.goto(BASE);
  await check(page, 'home');
  await page.keyboard.press('Tab');
  assert.equal((await page.evaluate(() => document.activeElement.textContent)).trim(), 'Saltar al contenido', 'the first Tab reaches the skip link');
  await page.getByRole('searchbox').fill('water leak detection in pipes');
  await page.getByRole('searchbox').press('Enter');
  await page.waitForURL(/\/challenges\?/);
  await check(page, 'search');
  // On a phone the filters fold behind their summary and the first result is on the first screen.
  await page.setViewportSize({ width: 375, height: 667 });
  await page.reload();
  const top = await page.locator('.results h3 a').first().evaluate((el) => el.getBoundingClientRect().top);
  assert.ok(top < 667, `at 375 px the first result starts ${top}px down, below the first screen`);
  assert.equal(await page.locator('details.facets').getAttribute('open'), null, 'the filters are folded on a phone');
  await page.getByText('Filtrar y ordenar').click();
  assert.notEqual(await page.locator('details.facets').getAttribute('open'), null, 'and open with one tap');
  await page.setViewportSize({ width: 1280, height: 900 });
  const first = page.locator('.results h3 a').first();
  assert.match(await first.textContent(), /fugas de agua/, 'the Spanish challenge about leaks comes first');
  await first.click();
  await page.waitForURL(new RegExp(`/challenges/${CHALLENGE}$`));
  await check(page, 'challenge');
  await page.getByRole('link', { name: 'English' }).click();
  await page.waitForLoadState();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await check(page, 'challenge-en');
  await page.goto(`${BASE}/accessibility`);
  await check(page, 'accessibility-en');
  await page.goto(`${BASE}/no-such-page`);
  await page.goto(`${BASE}/challenges/ch-does-not-exist`);
  await check(page, 'not-found');
  await page.context().close();
});

test('search as you type updates the results without leaving the page', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/challenges`);
  const before = await page.locator('#results').textContent();
  await page.getByRole('searchbox').pressSequentially('fugas', { delay: 30 });
  await page.waitForFunction((old) => document.querySelector('#results')?.textContent !== old, before);
  assert.match(await page.locator('.results h3 a').first().textContent(), /fugas/i);
  assert.match(page.url(), /q=fugas/, 'the address follows the search, so it can be shared');
  await page.context().close();
});

test('a start-up registers, describes itself in English and gets the Spanish challenge recommended', async () => {
  const page = await newPage();
  await page.goto(`${BASE}/signup`);
  await page.getByRole('button', { name: 'Crear la cuenta' }).click();
  await page.waitForLoadState();
  assert.ok(await page.locator('#error-summary').isVisible(), 'an empty form shows the error summary');
  await check(page, 'signup-errors');
  await page.getByLabel('Tu nombre', { exact: true }).fill(STARTUP.name);
  await page.getByLabel('Correo electrónico', { exact: true }).fill(STARTUP.email);
  await page.getByLabel('Contraseña', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Crear la cuenta' }).click();
  await page.waitForURL(/\/login$/);
  assert.match(await notice(page), /enlace para confirmar/);

  await page.goto(await linkFromEmail(STARTUP.email, '/verify?token='));
  await check(page, 'verify');
  await page.getByLabel('Tu contraseña', { exact: true }).fill('not the password of this sign-up');
  await page.getByRole('button', { name: 'Confirmar mi dirección' }).click();
  await page.waitForLoadState();
  assert.ok(await page.locator('#error-summary').isVisible(), 'a wrong password is named in the error summary');
  await check(page, 'verify-wrong-password');
  await page.getByLabel('Tu contraseña', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Confirmar mi dirección' }).click();
  await page.waitForURL(/\/login$/);
  assert.match(await notice(page), /Dirección confirmada/);

  await signIn(page, STARTUP.email);
  await page.waitForURL(/\/company\/new$/);
  await check(page, 'company-new');
  await page.getByLabel('Nombre de la empresa', { exact: true }).fill(STARTUP.company);
  await page.getByLabel('CPV 1').fill('3842');
  await page.getByRole('button', { name: 'Guardar el perfil' }).click();
  await page.waitForLoadState();
  assert.ok(await page.locator('#error-summary').isVisible(), 'faults are summarised');
  assert.equal(await page.getByLabel('Nombre de la empresa', { exact: true }).inputValue(), STARTUP.company, 'what was typed is kept');
  await check(page, 'company-new-errors');

  await page.getByLabel('CPV 1').fill('38420000');
  await page.getByLabel('Descripción', { exact: true }).fill(
    'Permanent acoustic leak monitoring for water utilities: loggers on valves and hydrants listen every night and correlate noise to locate leaks in the pipe network.',
  );
  await page.getByLabel('Capacidades', { exact: true }).fill('Acoustic leak monitoring on valves and hydrants\nAutomatic correlation to locate leaks within metres');
  await page.getByLabel('Agua', { exact: true }).check();
  await page.getByLabel('Inglés').check();
  await page.getByLabel('Madurez tecnológica (TRL) de vuestra solución principal').selectOption('8');
  await page.getByRole('button', { name: 'Guardar el perfil' }).click();
  await page.waitForURL(/\/for-you$/);
  await check(page, 'for-you');
  const recommended = page.locator('.results h3 a').first();
  assert.match(await recommended.textContent(), /fugas de agua/, 'the Spanish leak challenge is recommended first');
  assert.match(await page.locator('.results .reason').first().textContent(), /Cubre/, 'with the reason');

  await recommended.click();
  await page.getByRole('button', { name: 'Seguir este reto' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Sigues este reto/);
  await page.getByRole('button', { name: 'Declarar interés' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /declarado interés/);
  await page.goto(`${BASE}/following`);
  assert.equal(await page.locator('.results h3 a').count(), 2, 'followed and declared interest');
  await check(page, 'following');
  for (const [url, name] of [['/company/profile', 'profile'], ['/account', 'account'], ['/account/alerts', 'alerts']]) {
    await page.goto(BASE + url);
    await check(page, name);
  }
  await page.context().close();
});

test('the start-up asks a question about the call and submits a proposal, requirement by requirement', async () => {
  const page = await newPage();
  await signIn(page, STARTUP.email);
  await page.goto(`${BASE}/challenges/${CHALLENGE}`);
  assert.match(await page.locator('#call + dl').textContent(), /hora de Madrid/, 'deadlines in Madrid time');
  await page.getByLabel('Haz una pregunta').fill('¿Se comparten los datos de caudal nocturno?');
  await page.getByRole('button', { name: 'Enviar la pregunta' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Pregunta enviada/);
  assert.match(await page.locator('.question').first().textContent(), /pendiente de respuesta/, 'the asker sees their question');
  await check(page, 'challenge-call');

  await page.getByRole('link', { name: 'Preparar una propuesta' }).click();
  await page.waitForURL(/\/proposal$/);
  await check(page, 'proposal-start');
  await page.getByRole('button', { name: 'Empezar la propuesta' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Borrador creado/);
  assert.notEqual(await page.locator('#answer_0').inputValue(), '', 'the must-have is pre-filled from the profile');
  await page.getByRole('button', { name: 'Enviar la propuesta' }).click();
  await page.waitForLoadState();
  assert.ok(await page.locator('#error-summary').isVisible(), 'what is missing is summarised');
  assert.match(await page.locator('#error-summary').textContent(), /obligatorio para enviar/);
  await check(page, 'proposal-errors');
  await page.getByLabel('Resumen', { exact: true }).fill('Monitorización acústica permanente en válvulas e hidrantes.');
  await page.getByLabel('Cómo lo resolveríais', { exact: true }).fill('Registradores acústicos que escuchan cada noche y correlan el ruido para localizar fugas.');
  await page.getByLabel('Precio (euros)').fill('180.000');
  await page.getByLabel('Calendario', { exact: true }).fill('Seis meses: instalación, ajuste y operación.');
  await page.getByLabel('Equipo', { exact: true }).fill('Dos ingenieras de redes y un analista de datos.');
  await page.getByRole('button', { name: 'Enviar la propuesta' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Propuesta enviada/);
  assert.match(await page.locator('code.digest').textContent(), /^[0-9a-f]{64}$/, 'the receipt shows the SHA-256');
  await check(page, 'proposal-submitted');
  await page.getByLabel('Añadir un anexo').setInputFiles({ name: 'Plan del piloto.rtf', mimeType: 'application/rtf', buffer: Buffer.from('{\\rtf1\\ansi Plan del piloto.}') });
  await page.getByRole('button', { name: 'Añadir el anexo' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Anexo añadido/);
  assert.equal(await page.locator('ul.documents a').first().textContent(), 'Plan del piloto.rtf');
  await linkFromEmail(STARTUP.email, `/challenges/${CHALLENGE}/proposal`);
  await page.context().close();
});

test('an officer drafts, previews and publishes a challenge, then introduces the start-up', async () => {
  const page = await newPage();
  await signIn(page, OFFICER);
  await page.waitForURL(/\/officer$/);
  await check(page, 'officer-home');

  await page.getByRole('link', { name: 'Nuevo reto' }).click();
  await check(page, 'challenge-new');
  await page.getByLabel('Título', { exact: true }).fill('Sensores de calidad del agua en depósitos');
  await page.getByLabel('Resumen', { exact: true }).fill('Medir en continuo la calidad del agua almacenada.');
  await page.getByLabel('El problema', { exact: true }).fill('Los depósitos se controlan con muestras manuales mensuales; queremos sensores que avisen de cualquier cambio.');
  await page.getByLabel('Requisitos obligatorios', { exact: true }).fill('Medición continua de cloro y turbidez\nAvisos automáticos');
  await page.getByLabel('Agua', { exact: true }).check();
  await page.getByRole('button', { name: 'Ver la oferta disponible' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('#preview-title + p').textContent(), /empresas podrían abordarlo/);
  await check(page, 'challenge-preview');
  await page.getByRole('button', { name: 'Guardar' }).click();
  await page.waitForURL(/\/officer\/challenges\/[^/]+\/edit$/);
  assert.match(await notice(page), /Reto guardado/);
  await page.getByRole('button', { name: 'Publicar' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /abierto/);
  await check(page, 'challenge-edit');

  // A second tab saves first: this one is told what changed meanwhile, and keeps what it typed.
  const other = await page.context().newPage();
  await other.goto(page.url());
  await other.getByLabel('Resumen', { exact: true }).fill('Medir en continuo el cloro y la turbidez del agua almacenada.');
  await other.getByRole('button', { name: 'Guardar', exact: true }).click();
  await other.waitForURL(/\/edit$/);
  await other.close();
  await page.getByLabel('Título', { exact: true }).fill('Sensores de calidad del agua en depósitos municipales');
  await page.getByRole('button', { name: 'Guardar', exact: true }).click();
  await page.waitForLoadState();
  const conflict = await page.locator('#conflict').textContent();
  assert.match(conflict, /Otra persona ha guardado cambios/);
  assert.match(conflict, /cloro y la turbidez/);
  assert.equal(await page.getByLabel('Título', { exact: true }).inputValue(), 'Sensores de calidad del agua en depósitos municipales');
  await check(page, 'challenge-conflict');
  await page.getByRole('button', { name: 'Guardar', exact: true }).click();
  await page.waitForURL(/\/edit$/);
  assert.match(await notice(page), /Reto guardado/);

  await page.goto(`${BASE}/officer/challenges/${CHALLENGE}/matches`);
  await check(page, 'matches');
  const card = page.locator('li.result', { hasText: STARTUP.company });
  assert.equal(await card.count(), 1, 'the start-up that just registered is among the matches');
  await card.locator('summary', { hasText: 'Por qué encaja' }).click();
  assert.ok(await card.locator('table').isVisible(), 'the explanation opens');
  await check(page, 'matches-explained');
  await card.getByRole('button', { name: /^Preseleccionar/ }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /preselección/);
  await page.locator('li.result', { hasText: STARTUP.company }).getByRole('button', { name: /^Útil/ }).click();
  await page.waitForLoadState();
  const again = page.locator('li.result', { hasText: STARTUP.company });
  await again.locator('summary', { hasText: 'Presentar a esta empresa' }).click();
  await again.getByLabel('Mensaje para la empresa (opcional)').fill('Nos interesa vuestra monitorización acústica para los municipios pequeños.');
  await again.getByRole('button', { name: /^Enviar la presentación/ }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Hemos enviado la presentación a AquaEar Labs Ltd\./);
  await page.goto(`${BASE}/officer/challenges/${CHALLENGE}/pipeline`);
  assert.match(await page.locator('#col-introduced').textContent(), /\(1\)/);
  await check(page, 'pipeline');
  await page.context().close();
});

test('the start-up accepts the introduction from its inbox, and the officer records the meeting', async () => {
  const inbox = await newPage({ locale: 'en-GB' });
  const accept = await linkFromEmail(STARTUP.email, '/introductions/respond?token=');
  await inbox.goto(accept);
  await check(inbox, 'respond');
  await inbox.getByRole('button', { name: /Accept the introduction|Aceptar la presentación/ }).click();
  await inbox.waitForLoadState();
  await check(inbox, 'respond-done');
  await inbox.goto(accept);
  assert.match(await inbox.locator('main').textContent(), /already answered|ya se respondió/, 'a second click changes nothing');
  await inbox.context().close();

  await linkFromEmail(OFFICER, `/challenges/${CHALLENGE}`);
  const page = await newPage();
  await signIn(page, OFFICER);
  await page.goto(`${BASE}/officer/challenges/${CHALLENGE}/pipeline`);
  assert.match(await page.locator('section[aria-labelledby="col-accepted"]').textContent(), /AquaEar/);
  await page.getByRole('button', { name: /^Anotar la reunión/ }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('section[aria-labelledby="col-meeting"]').textContent(), /AquaEar/);
  await check(page, 'pipeline-meeting');
  await page.context().close();
});

test('the officer answers a question, then evaluates a sealed call and publishes its result', async () => {
  const page = await newPage();
  await signIn(page, OFFICER);
  await page.goto(`${BASE}/officer/challenges/${CHALLENGE}/call`);
  await check(page, 'call-settings');
  await page.getByLabel(/^Respuesta/).first().fill('Sí: los datos de caudal nocturno se comparten cada hora.');
  await page.getByRole('button', { name: 'Publicar la respuesta' }).first().click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Respuesta publicada/);
  await page.getByLabel('Peso del criterio 1').fill('50');
  await page.getByRole('button', { name: 'Guardar la convocatoria' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('#error-summary').textContent(), /100/, 'weights that do not sum to 100 are named');
  await check(page, 'call-settings-errors');
  await page.goto(`${BASE}/officer/challenges/${CHALLENGE}/call`);
  await page.getByLabel(/Añadir un documento/).setInputFiles({ name: 'notas.txt', mimeType: 'text/plain', buffer: Buffer.from('solo texto') });
  await page.getByRole('button', { name: 'Añadir el documento' }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('main').textContent(), /no es un PDF ni un documento de oficina/, 'the type is judged by the bytes, in Spanish');
  await page.goto(`${BASE}/officer/challenges/${CHALLENGE}/call`);
  await page.getByLabel(/Añadir un documento/).setInputFiles({ name: 'Pliego técnico.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  await page.getByRole('button', { name: 'Añadir el documento' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Documento añadido/);
  await page.goto(`${BASE}/challenges/${CHALLENGE}`);
  assert.equal(await page.locator('#documents + ul.documents a').first().textContent(), 'Pliego técnico.pdf');
  await check(page, 'challenge-documents');

  await page.goto(`${BASE}/officer/challenges/ch-meters/evaluation`);
  await check(page, 'evaluation');
  await page.getByRole('link', { name: 'Fugas Cero Ingeniería S.L.' }).click();
  await page.waitForURL(/\/proposals\/\d+$/);
  await check(page, 'declaration');
  await page.getByRole('button', { name: /No tengo conflicto/ }).click();
  await page.waitForLoadState();
  assert.match(await page.locator('main').textContent(), /Contadores con telelectura/, 'the proposal opens');
  await page.getByRole('button', { name: 'Enviar la puntuación' }).click();
  await page.waitForLoadState();
  assert.ok(await page.locator('#error-summary').isVisible(), 'scores and justifications are required');
  await check(page, 'evaluate-errors');
  const scores = page.getByLabel('Puntuación de 0 a 10');
  const reasons = page.getByLabel('Justificación');
  await scores.nth(0).fill('8');
  await reasons.nth(0).fill('Propuesta sólida y probada en otros municipios.');
  await scores.nth(1).fill('7,5');
  await reasons.nth(1).fill('Precio ajustado al presupuesto.');
  await page.getByRole('button', { name: 'Enviar la puntuación' }).click();
  await page.waitForURL(/\/evaluation$/);
  assert.match(await notice(page), /Puntuación enviada/);
  assert.match(await page.locator('table').textContent(), /7,85/, 'the weighted score, written the Spanish way');
  await page.getByLabel('Fugas Cero Ingeniería S.L.').check();
  await page.getByRole('button', { name: 'Publicar el resultado' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Resultado publicado/);
  await check(page, 'evaluation-decided');
  await page.goto(`${BASE}/challenges/ch-meters`);
  assert.match(await page.locator('#result ~ ul').textContent(), /Fugas Cero/);
  await check(page, 'challenge-result');
  await page.context().close();
});

test('an administrator reads the analytics and manages users', async () => {
  const page = await newPage();
  await signIn(page, ADMIN);
  await page.waitForURL(/\/admin$/);
  assert.match(await page.locator('#funnel-title + svg + *, table').first().textContent(), /.+/);
  await check(page, 'admin-analytics');
  await page.getByLabel('Desde').fill('2026-01-01');
  await page.getByLabel('Hasta').fill('2025-01-01');
  await page.getByRole('button', { name: 'Ver el periodo' }).click();
  await page.waitForURL(/from=2026-01-01/);
  assert.match(await page.locator('.error-summary').textContent(), /anterior al primer día/);
  await check(page, 'admin-analytics-period-fault');
  await page.goto(`${BASE}/admin/users`);
  await check(page, 'admin-users');
  await page.goto(`${BASE}/admin/jobs`);
  await check(page, 'admin-jobs');
  await page.goto(`${BASE}/api/docs`);
  await check(page, 'api-docs');
  await page.context().close();
});

test('without JavaScript, searching, signing in and following still work', async () => {
  const page = await newPage({ javaScriptEnabled: false });
  await page.goto(`${BASE}/challenges`);
  await page.getByRole('searchbox').fill('fugas');
  await page.getByRole('button', { name: 'Buscar', exact: true }).click();
  await page.waitForURL(/q=fugas/);
  assert.match(await page.locator('.results h3 a').first().textContent(), /fugas/i);
  await signIn(page, STARTUP.email);
  await page.goto(`${BASE}/challenges/${CHALLENGE}`);
  await page.getByRole('button', { name: 'Dejar de seguir' }).click();
  await page.waitForLoadState();
  assert.match(await notice(page), /Ya no sigues/);
  await page.context().close();
});

test('every page checked is valid HTML (Nu HTML checker)', () => {
  assert.ok(checked.length >= 20, `only ${checked.length} pages were checked`);
  const jar = require.resolve('vnu-jar/build/dist/vnu.jar');
  const result = spawnSync('java', ['-jar', jar, '--format', 'json', '--errors-only', path.join(ARTIFACTS, 'html')], { encoding: 'utf8' });
  assert.notEqual(result.status, null, `cannot run java: ${result.error}`);
  const messages = JSON.parse(result.stderr || '{"messages": []}').messages.filter((m) => m.type === 'error');
  const report = messages.map((m) => `${path.basename(m.url ?? '')}:${m.lastLine}: ${m.message}`);
  assert.deepEqual(report, []);
});
