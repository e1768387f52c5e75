import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, cpSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  checkEmailTemplates,
  emailKinds,
  invitationTemplateName,
  invitationTemplates,
  shippedTemplatesDirectory,
  supportedLocales,
  templateLocales,
} from '../../templates/index.ts';

/** Every `{{...}}` / `{{{...}}}` tag: its braces, an optional block sigil and its first word. */
function tags(source: string) {
  const withoutComments = source.replace(/\{\{!--[\s\S]*?--\}\}|\{\{![\s\S]*?\}\}/g, '');
  return [...withoutComments.matchAll(/(\{\{\{?)\s*([#/!]|else\b)?\s*([^\s}]*)[^}]*\}\}\}?/g)].map(([, braces, sigil, word]) => ({
    triple: braces === '{{{',
    sigil: sigil ?? '',
    word: word ?? '',
  }));
}

/** Values: not blocks (`#if`, `/if`, `else`), not comments. */
function values(source: string) {
  return tags(source).filter((tag) => tag.sigil === '');
}

const plainVariables = ['appName', 'inviterName', 'expiresAt', 'link', 'email'];
const brandVariables = ['brand.logoUrl', 'brand.primaryColor', 'brand.supportEmail'];

describe('invitation templates', () => {
  const templates = invitationTemplates('test');
  /** `invitation/en`, `account-ready/de`, ...: every email in every locale. */
  const cases = templates.map((template) => `${template.kind}/${template.locale}`);
  const byCase = (name: string) => templates.find((template) => `${template.kind}/${template.locale}` === name)!;

  it('has a subject, an HTML and a text part for every supported locale', () => {
    // Prepare / Act
    const found = templates.map((template) => `${template.kind}/${template.locale}`);

    // Assess
    expect(supportedLocales).toEqual(['en', 'de']);
    expect(emailKinds).toEqual(['invitation', 'accept-link', 'account-ready']);
    expect(found).toEqual(['invitation/en', 'invitation/de', 'accept-link/en', 'accept-link/de', 'account-ready/en', 'account-ready/de']);
    for (const template of templates) {
      expect(template.subject.length, template.locale).toBeGreaterThan(0);
      expect(template.html, template.locale).toContain('</html>');
      expect(template.text.length, template.locale).toBeGreaterThan(0);
    }
  });

  it('names each template after the prefix and the locale, without reading files', () => {
    // Prepare / Act
    const names = templates.map((template) => template.name);

    // Assess
    expect(invitationTemplateName('prod', 'de')).toBe('prod-invitation-de');
    expect(invitationTemplateName('prod', 'en', 'account-ready')).toBe('prod-account-ready-en');
    expect(names).toEqual([
      'test-invitation-en',
      'test-invitation-de',
      'test-accept-link-en',
      'test-accept-link-de',
      'test-account-ready-en',
      'test-account-ready-de',
    ]);
  });

  it.each(cases)('%s: the subject is one line naming the inviter and the app, with a reminder variant', (name) => {
    // Prepare
    const { subject } = byCase(name);

    // Act
    const used = values(subject).map((tag) => tag.word);

    // Assess
    expect(subject).not.toMatch(/[\r\n]/);
    expect(new Set(used)).toEqual(new Set(['appName', 'inviterName']));
    expect(subject).toMatch(/\{\{#if reminder\}\}.+\{\{else\}\}.+\{\{\/if\}\}/);
  });

  it.each(cases)('%s: the text part uses every plain value and the reminder', (name) => {
    // Prepare
    const { text } = byCase(name);

    // Act
    const used = values(text).map((tag) => tag.word);

    // Assess: every value, and of the brand only what text can show
    expect(new Set(used)).toEqual(new Set([...plainVariables, 'brand.supportEmail']));
    expect(text).toContain('{{#if reminder}}');
    expect(text).toMatch(/^\{\{\{link\}\}\}$/m);
  });

  it.each(cases)('%s: the HTML part uses only the HTML-escaped values, all of them, and links the button', (name) => {
    // Prepare
    const { html, locale } = byCase(name);

    // Act
    const used = values(html).map((tag) => tag.word);

    // Assess
    expect(new Set(used)).toEqual(new Set([...plainVariables, ...brandVariables].map((name) => `html.${name}`)));
    expect(html).not.toContain('#5d34f2');
    expect(html).toContain('{{#if reminder}}');
    expect(html).toMatch(/<td[^>]*bgcolor="[^"]+"[^>]*>\s*<a href="\{\{\{html\.link\}\}\}"/);
    expect(html).toMatch(/>\{\{\{html\.link\}\}\}<\/a>/);
    expect(html).toContain(`lang="${locale}"`);
  });

  it.each(cases)('%s: every value is triple-stash, so no renderer can escape it a second time', (name) => {
    // Prepare
    const template = byCase(name);

    // Act
    const doubleStash = [template.subject, template.html, template.text].flatMap((part) =>
      values(part).filter((tag) => !tag.triple),
    );

    // Assess
    expect(doubleStash).toEqual([]);
  });

  it('translates the German template rather than copying the English one', () => {
    // Prepare
    const [en, de, readyEn, readyDe] = ['invitation/en', 'invitation/de', 'account-ready/en', 'account-ready/de'].map(byCase);

    // Act / Assess
    expect(de!.subject).not.toBe(en!.subject);
    expect(de!.text).toContain('ignorieren');
    expect(de!.html).toContain('Einladung annehmen');
    expect(en!.text).toContain('ignore this email');
    expect(readyDe!.html).toContain('Anmelden');
    expect(readyEn!.html).toContain('>Sign in</a>');
    expect(readyEn!.subject).not.toBe(en!.subject);
    expect(byCase('accept-link/en').html).toContain('>Create your account</a>');
    expect(byCase('accept-link/de').text).toContain('Konto');
  });
});

describe("a team's own templates directory", () => {
  const made: string[] = [];
  /** A copy of the shipped templates, with `change` applied. */
  const directory = (change: (dir: string) => void = () => undefined) => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    made.push(dir);
    for (const kind of emailKinds) cpSync(join(shippedTemplatesDirectory, kind), join(dir, kind), { recursive: true });
    change(dir);
    return dir;
  };
  const problemsOf = (dir: string) => {
    try {
      checkEmailTemplates(invitationTemplates('team', dir));
      return '';
    } catch (error) {
      return (error as Error).message;
    }
  };

  afterEach(() => {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('passes as shipped, and takes the locales it has', () => {
    // Prepare
    const dir = directory((d) => {
      for (const kind of emailKinds) cpSync(join(d, kind, 'en'), join(d, kind, 'fr'), { recursive: true });
    });

    // Act / Assess
    expect(problemsOf(shippedTemplatesDirectory)).toBe('');
    expect(problemsOf(dir)).toBe('');
    expect(templateLocales(dir)).toEqual(['en', 'de', 'fr']);
    expect(invitationTemplates('team', dir).map((t) => t.name)).toContain('team-account-ready-fr');
  });

  it('names a value the mailer does not send', () => {
    // Prepare
    const dir = directory((d) => writeFileSync(join(d, 'invitation', 'de', 'body.txt'), '{{{link}}} {{{inviter.title}}}'));

    // Act / Assess
    expect(problemsOf(dir)).toContain('invitation/de text part: uses {{inviter.title}}, which the mailer does not send');
  });

  it('names a template that does not compile, a body without the link and a subject of two lines', () => {
    // Prepare
    const dir = directory((d) => {
      writeFileSync(join(d, 'account-ready', 'en', 'body.html'), '<p>{{#if reminder}}open</p>');
      writeFileSync(join(d, 'account-ready', 'de', 'body.txt'), 'Kein Link.');
      writeFileSync(join(d, 'invitation', 'en', 'subject.txt'), 'Hi {{{appName}}}\n{{{inviterName}}}');
    });

    // Act
    const problems = problemsOf(dir);

    // Assess
    expect(problems).toContain('account-ready/en HTML part:');
    expect(problems).toContain('account-ready/de text part: does not contain the link');
    expect(problems).toContain('invitation/en subject: renders on more than one line');
  });

  it('names every missing file: each email needs every locale', () => {
    // Prepare
    const dir = directory((d) => {
      cpSync(join(d, 'invitation', 'en'), join(d, 'invitation', 'fr'), { recursive: true });
      rmSync(join(d, 'account-ready', 'de', 'subject.txt'));
    });

    // Act / Assess
    expect(() => invitationTemplates('team', dir)).toThrow(
      new RegExp(`missing .*account-ready/fr/subject.txt.*account-ready/de/subject.txt|missing .*account-ready/de/subject.txt.*account-ready/fr`),
    );
  });
});
