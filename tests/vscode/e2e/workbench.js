'use strict';
// A page object for VS Code's workbench (code-server in headless Chromium), driven with playwright-core.
// Every wait is bounded (`timeout` ms); a failed wait throws an Error saying what was awaited and what was seen.

const path = require('path');

const DEFAULT_TIMEOUT = 60_000;

class Workbench {
  constructor(page, artifacts) {
    this.page = page;
    this.artifacts = artifacts;
  }

  // ---- basics -------------------------------------------------------------------------------------------

  async open(url, timeout = 120_000) {
    await this.page.goto(url, { timeout });
    await this.page.locator('.monaco-workbench').waitFor({ timeout });
    await this.page.waitForFunction(() => / - code-server$/.test(document.title), null, { timeout });
    // The activity bar is the last part of the workbench to get its items.
    await this.page.locator('.activitybar [role="tab"]').first().waitFor({ timeout });
    return { title: await this.page.title() };
  }

  async title() {
    return await this.page.title();
  }

  url() {
    return this.page.url();
  }

  /** outerHTML of the first element matching `selector` (for debugging a selector). */
  async html(selector) {
    return await this.page.locator(selector).first().evaluate((el) => el.outerHTML);
  }

  async screenshot(name) {
    const file = path.join(this.artifacts, `${name}.png`);
    await this.page.mouse.move(0, 0); // no hover tooltip in the picture
    await this.page.locator('.workbench-hover-container').first()
      .waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => {});
    await this.page.screenshot({ path: file });
    return file;
  }

  /** Polls `probe` (an async function returning a truthy value when done) until it succeeds or time runs out.
   *  A probe that throws is retried too; its last error says what was seen instead. */
  async until(what, probe, timeout = DEFAULT_TIMEOUT, interval = 250) {
    const end = Date.now() + timeout;
    let last;
    for (;;) {
      try {
        const value = await probe();
        if (value) return value;
        last = value;
      } catch (err) {
        last = err;
      }
      if (Date.now() > end) {
        const seen = last instanceof Error ? last.message : JSON.stringify(last);
        throw new Error(`timed out after ${timeout} ms waiting for ${what}; last seen: ${seen}`);
      }
      await this.page.waitForTimeout(interval);
    }
  }

  // ---- activity bar and side bar -----------------------------------------------------------------------

  activityTab(title) {
    return this.page.locator(`.activitybar [role="tab"]:has(a.action-label[aria-label^="${title}"])`).first();
  }

  async activityTabs() {
    return await this.page.locator('.activitybar [role="tab"] a.action-label').evaluateAll((els) =>
      els.map((el) => el.getAttribute('aria-label')));
  }

  /** Opens a view container from the activity bar; resolves to the titles of its views. */
  async openContainer(title, timeout = DEFAULT_TIMEOUT) {
    const tab = this.activityTab(title);
    await this.until(`activity-bar entry "${title}"`, async () => {
      if ((await tab.count()) > 0) return true;
      throw new Error(`activity bar entries ${JSON.stringify(await this.activityTabs())}`);
    }, timeout);
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await this.until(`side bar titled "${title}"`, async () => {
      const h = await this.page.locator('.part.sidebar .composite.title h2').first().textContent();
      return h && h.trim().toLowerCase().startsWith(title.toLowerCase());
    }, timeout);
    return await this.viewTitles();
  }

  async viewTitles() {
    return await this.page.locator('.part.sidebar .pane-header').evaluateAll((els) =>
      els.map((el) => (el.querySelector('h3.title') || el).textContent.trim()));
  }

  pane(viewTitle) {
    return this.page.locator('.part.sidebar .pane')
      .filter({ has: this.page.locator('.pane-header h3.title', { hasText: new RegExp(`^${escape(viewTitle)}$`, 'i') }) })
      .first();
  }

  async expandView(viewTitle, timeout = DEFAULT_TIMEOUT) {
    const pane = this.pane(viewTitle);
    await this.until(`view "${viewTitle}"`, async () => {
      if ((await pane.count()) > 0) return true;
      throw new Error(`views ${JSON.stringify(await this.viewTitles())}`);
    }, timeout);
    const header = pane.locator('.pane-header').first();
    if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
    await this.until(`view "${viewTitle}" expanded`,
      async () => (await header.getAttribute('aria-expanded')) === 'true', timeout);
    return pane;
  }

  /** The rows of a tree view as rendered: {label, description, level, expanded, aria}. */
  async treeRows(viewTitle) {
    const pane = await this.expandView(viewTitle);
    return await pane.locator('.pane-body [role="treeitem"]').evaluateAll((els) => els.map((el) => ({
      label: (el.querySelector('.label-name') || el).textContent.trim(),
      description: ((el.querySelector('.label-description') || {}).textContent || '').trim(),
      level: Number(el.getAttribute('aria-level') || 0),
      expanded: el.getAttribute('aria-expanded'),
      aria: el.getAttribute('aria-label') || '',
    })));
  }

  /** Expands every collapsed row of level <= `depth` (1: the top level) and returns the rows. */
  async expandAll(viewTitle, depth = 1, timeout = 10_000) {
    const pane = await this.expandView(viewTitle);
    const collapsed = pane.locator('.pane-body [role="treeitem"][aria-expanded="false"]');
    for (let round = 0; round < 50; round++) {
      const handles = await collapsed.elementHandles();
      let row;
      for (const h of handles) {
        if (Number(await h.getAttribute('aria-level')) <= depth) { row = h; break; }
      }
      if (!row) break;
      const twistie = await row.$('.monaco-tl-twistie');
      await (twistie || row).click();
      await this.until('a tree row to expand', async () =>
        (await row.evaluate((el) => !el.isConnected || el.getAttribute('aria-expanded') !== 'false')), timeout, 100);
    }
    return await this.treeRows(viewTitle);
  }

  /** Waits until a row of the view (expanded up to `depth`) has `text` in its label, description or aria-label. */
  async waitTreeRow(viewTitle, text, timeout = DEFAULT_TIMEOUT, depth = 1) {
    let rows = [];
    await this.until(`a row containing "${text}" in view "${viewTitle}"`, async () => {
      rows = await this.expandAll(viewTitle, depth);
      if (rows.some((r) => matches(r, text))) return true;
      throw new Error(`rows ${JSON.stringify(rows)}`);
    }, timeout, 500);
    return rows;
  }

  /** Waits until no row of the view has `text` in its label, description or aria-label. */
  async waitNoTreeRow(viewTitle, text, timeout = DEFAULT_TIMEOUT, depth = 1) {
    let rows = [];
    await this.until(`no row containing "${text}" in view "${viewTitle}"`, async () => {
      rows = await this.expandAll(viewTitle, depth);
      if (!rows.some((r) => matches(r, text))) return true;
      throw new Error(`rows ${JSON.stringify(rows)}`);
    }, timeout, 1000);
    return rows;
  }

  row(viewTitle, text) {
    return this.pane(viewTitle).locator('.pane-body [role="treeitem"]')
      .filter({ hasText: text }).first();
  }

  /** The inline action buttons and context-menu entries of a row. */
  async rowActions(viewTitle, text) {
    const row = this.row(viewTitle, text);
    await row.hover();
    const inline = await row.locator('.actions .action-label').evaluateAll((els) =>
      els.map((el) => el.getAttribute('aria-label') || el.getAttribute('title') || ''));
    const menu = await this.contextMenu(row);
    await this.page.keyboard.press('Escape');
    return { inline, menu };
  }

  /** The entries of a row's context menu ([] when it has none: VS Code then shows no menu). */
  async contextMenu(row) {
    await row.click({ button: 'right' });
    const items = this.page.locator('.monaco-menu .action-item:not(.disabled) .action-label');
    const shown = await this.until('a context menu', async () => (await items.count()) > 0, 3_000).catch(() => false);
    if (!shown) return [];
    return (await items.evaluateAll((els) => els.map((el) => (el.getAttribute('aria-label') || el.textContent || '').trim())))
      .filter((s) => s);
  }

  /** Runs an action on a row: its inline button if it has one with that label, else the context-menu entry. */
  async rowAction(viewTitle, text, action, timeout = DEFAULT_TIMEOUT) {
    const row = this.row(viewTitle, text);
    await this.until(`row "${text}" in view "${viewTitle}"`, async () => (await row.count()) > 0, timeout);
    await row.hover();
    const inline = row.locator(`.actions .action-label[aria-label^="${action}" i]`);
    if ((await inline.count()) > 0) {
      await inline.first().click();
      return { via: 'inline' };
    }
    const menu = await this.contextMenu(row);
    const entry = this.page.locator('.monaco-menu .action-item:not(.disabled) .action-label')
      .filter({ hasText: new RegExp(`^${escape(action)}`, 'i') });
    if ((await entry.count()) === 0) {
      await this.page.keyboard.press('Escape');
      throw new Error(`row "${text}" of view "${viewTitle}" has no action "${action}"; context menu: ${JSON.stringify(menu)}`);
    }
    await entry.first().click();
    return { via: 'context menu' };
  }

  async clickRow(viewTitle, text) {
    await this.row(viewTitle, text).click();
  }

  // ---- command palette, quick open, editors --------------------------------------------------------------

  /** Runs a command by its title (as shown in the command palette, e.g. "DevReliab: Refresh"). */
  async command(title, timeout = DEFAULT_TIMEOUT) {
    const input = await this.quickInput('>', timeout);
    await input.fill(`>${title}`);
    const entry = this.page.locator('.quick-input-widget .monaco-list-row')
      .filter({ hasText: title }).first();
    await this.until(`command "${title}" in the command palette`, async () => (await entry.count()) > 0, timeout);
    await entry.click();
    return true;
  }

  /** Titles the command palette offers for `filter`. */
  async commands(filter, timeout = DEFAULT_TIMEOUT) {
    const input = await this.quickInput('>', timeout);
    await input.fill(`>${filter}`);
    const rows = this.page.locator('.quick-input-widget .monaco-list-row');
    await this.until(`commands matching "${filter}"`, async () => (await rows.count()) > 0, 10_000).catch(() => {});
    const found = await rows.evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') || el.textContent));
    await this.page.keyboard.press('Escape');
    return found;
  }

  async quickInput(prefix, timeout) {
    const input = this.page.locator('.quick-input-widget input.input');
    const keys = prefix === '>' ? ['F1', 'Control+Shift+P'] : ['Control+P', 'Control+E'];
    let attempt = 0;
    await this.until(`the ${prefix === '>' ? 'command palette' : 'Quick Open'}`, async () => {
      if (await input.isVisible()) return true;
      await this.page.keyboard.press(keys[attempt++ % keys.length]);
      return await input.isVisible();
    }, timeout, 500);
    return input;
  }

  /** Opens a workspace file with Quick Open and waits for its editor tab. */
  async openFile(relPath, timeout = DEFAULT_TIMEOUT) {
    const input = await this.quickInput('', timeout);
    await input.fill(relPath);
    const base = relPath.split('/').pop();
    const entry = this.page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: base }).first();
    await this.until(`"${relPath}" in Quick Open`, async () => (await entry.count()) > 0, timeout);
    await entry.click();
    await this.until(`an editor tab for ${base}`, async () =>
      (await this.page.locator(`.tabs-container .tab.active[aria-label^="${base}"]`).count()) > 0, timeout);
    return true;
  }

  /** Replaces every `find` with `replacement` in the active editor through its Find/Replace widget and saves. */
  async editorReplaceAndSave(find, replacement, timeout = DEFAULT_TIMEOUT) {
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Control+H');
    const widget = this.page.locator('.editor-widget.find-widget.visible');
    await widget.waitFor({ state: 'visible', timeout });
    await widget.locator('.find-part textarea').fill(find);
    await widget.locator('.replace-part textarea').fill(replacement);
    await this.until(`"${find}" to be found in the editor`, async () => {
      const count = (await widget.locator('.matchesCount').textContent()) || '';
      if (/^\d+ of \d+$/.test(count.trim())) return true;
      throw new Error(`match count ${JSON.stringify(count)}`);
    }, timeout);
    await widget.locator('.replace-part [aria-label^="Replace All"]').click();
    await this.page.keyboard.press('Escape');
    const dirty = this.page.locator('.tabs-container .tab.active.dirty');
    await this.until('the editor to have unsaved changes', async () => (await dirty.count()) > 0, timeout);
    await this.page.keyboard.press('Control+S');
    await this.until('the editor to be saved', async () => (await dirty.count()) === 0, timeout);
    return true;
  }

  /** Types `text` at the end of the active editor (keyboard input, as a person types) and leaves it unsaved. */
  async editorTypeAtEnd(text, timeout = DEFAULT_TIMEOUT) {
    await this.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
    await this.page.keyboard.press('Control+End');
    for (const [i, line] of text.split('\n').entries()) {
      if (i > 0) {
        await this.page.keyboard.press('Enter');
        await this.page.keyboard.press('Shift+Home'); // no auto-indent: the line starts where the text says
        await this.page.keyboard.press('Delete');
      }
      if (line) await this.page.keyboard.type(line, { delay: 15 });
    }
    const dirty = this.page.locator('.tabs-container .tab.active.dirty');
    await this.until('the editor to have unsaved changes', async () => (await dirty.count()) > 0, timeout);
    return true;
  }

  /** The text of the status bar items whose text or label mentions `text`. */
  async statusBarItems(text) {
    return await this.page.locator('.statusbar-item').evaluateAll((els, text) => els
      .map((el) => ({ text: el.innerText.replace(/\s+/g, ' ').trim(), aria: el.getAttribute('aria-label') || '' }))
      .filter((i) => i.text.includes(text) || i.aria.includes(text)), text);
  }

  async waitNotification(pattern, timeout = DEFAULT_TIMEOUT) {
    const re = new RegExp(pattern);
    return await this.until(`a notification matching /${pattern}/`, async () => {
      const shown = await this.notifications();
      const hit = shown.find((m) => re.test(m));
      if (hit) return hit;
      throw new Error(`notifications ${JSON.stringify(shown)}`);
    }, timeout, 500);
  }

  /** The visible text of both sides of the active diff editor, once it shows one: {title, original, modified}. */
  async diffEditorText(timeout = DEFAULT_TIMEOUT) {
    const diff = this.page.locator('.editor-group-container.active .monaco-diff-editor').first();
    await diff.waitFor({ state: 'visible', timeout });
    const side = (cls) => diff.locator(`.editor.${cls} .view-lines`).first();
    const text = async (cls) => (await side(cls).innerText()).replace(/\u00a0/g, ' ');
    await this.until('both sides of the diff editor to have text', async () =>
      (await text('original')).trim() && (await text('modified')).trim(), timeout);
    const title = await this.page.locator('.editor-group-container.active .tab.active').first().getAttribute('aria-label');
    return { title, original: await text('original'), modified: await text('modified') };
  }

  /** Waits until the active editor shows a code lens containing `text` right above the line containing
   *  `lineText` (both rendered, the lens's bottom within two line heights above the line's top):
   *  {lens, gap} with the lens's text and the gap in pixels. */
  async waitCodeLensAbove(text, lineText, timeout = DEFAULT_TIMEOUT) {
    const editor = this.page.locator('.editor-group-container.active .monaco-editor').first();
    await editor.waitFor({ state: 'visible', timeout });
    return await this.until(`a code lens "${text}" above the line "${lineText}"`, async () => {
      const seen = await editor.evaluate((root, [text, lineText]) => {
        const box = (el) => {
          const r = el.getBoundingClientRect();
          return { top: r.top, bottom: r.bottom, height: r.height };
        };
        const editorBox = box(root);
        const visible = (b) => b.height > 0 && b.top >= editorBox.top && b.bottom <= editorBox.bottom;
        const lenses = [...root.querySelectorAll('.codelens-decoration')]
          .map((el) => ({ text: el.textContent.replace(/\u00a0/g, ' ').trim(), ...box(el) }));
        const lines = [...root.querySelectorAll('.view-lines .view-line')]
          .map((el) => ({ text: el.textContent.replace(/\u00a0/g, ' '), ...box(el) }))
          .filter((l) => l.text.includes(lineText));
        return { lenses: lenses.filter((l) => visible(l)), lines: lines.filter((l) => visible(l)) };
      }, [text, lineText]);
      const line = seen.lines[0];
      const lens = line && seen.lenses.find((l) => l.text.includes(text) && l.bottom <= line.top + 2 && line.top - l.bottom < 2 * line.height);
      if (lens) return { lens: lens.text, gap: line.top - lens.bottom };
      throw new Error(`code lenses ${JSON.stringify(seen.lenses)}, lines ${JSON.stringify(seen.lines)}`);
    }, timeout, 500);
  }

  async activeEditorText() {
    return await this.page.locator('.editor-instance .view-lines').first().innerText();
  }

  // ---- the Problems panel --------------------------------------------------------------------------------

  async problems() {
    const panel = this.page.locator('.markers-panel');
    if (!(await panel.isVisible().catch(() => false))) await this.command('View: Focus Problems');
    await panel.waitFor({ state: 'visible', timeout: DEFAULT_TIMEOUT });
    return await panel.locator('[role="treeitem"]').evaluateAll((els) => els.map((el) => ({
      level: Number(el.getAttribute('aria-level') || 0),
      aria: el.getAttribute('aria-label') || '',
      text: el.innerText.replace(/\s+/g, ' ').trim(),
    })));
  }

  async waitProblem(text, timeout = DEFAULT_TIMEOUT) {
    let rows = [];
    await this.until(`a problem containing "${text}"`, async () => {
      rows = await this.problems();
      if (rows.some((r) => r.aria.includes(text) || r.text.includes(text))) return true;
      throw new Error(`problems ${JSON.stringify(rows)}`);
    }, timeout, 1000);
    return rows;
  }

  async waitNoProblem(text, timeout = DEFAULT_TIMEOUT) {
    let rows = [];
    await this.until(`no problem containing "${text}"`, async () => {
      rows = await this.problems();
      if (!rows.some((r) => r.aria.includes(text) || r.text.includes(text))) return true;
      throw new Error(`problems ${JSON.stringify(rows)}`);
    }, timeout, 1000);
    return rows;
  }

  // ---- webviews ------------------------------------------------------------------------------------------

  /** The text of the (first) webview an extension shows, e.g. a webview view in the side bar. */
  async webviewText(extensionId, timeout = 10_000) {
    const body = this.page.frameLocator(`iframe.webview[src*="extensionId=${extensionId}"]`).first()
      .frameLocator('iframe#active-frame').locator('body');
    return (await body.innerText({ timeout })).trim();
  }

  /** Waits until the extension's webview shows text matching `pattern` (a regular expression source). */
  async waitWebviewText(extensionId, pattern, timeout = DEFAULT_TIMEOUT) {
    const re = new RegExp(pattern);
    let text = '';
    await this.until(`the ${extensionId} webview to show /${pattern}/`, async () => {
      text = await this.webviewText(extensionId, 5_000);
      if (re.test(text)) return true;
      throw new Error(`webview text ${JSON.stringify(text.slice(0, 500))}`);
    }, timeout, 500);
    return text;
  }

  // ---- notifications -------------------------------------------------------------------------------------

  async notifications() {
    return await this.page.locator('.notification-toast .notification-list-item-message, .notifications-center .notification-list-item-message')
      .evaluateAll((els) => els.map((el) => el.textContent.trim()));
  }
}

function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function matches(row, text) {
  return row.label.includes(text) || row.description.includes(text) || row.aria.includes(text);
}

module.exports = { Workbench };
