import { describe, expect, it } from 'vitest';
import { decodeHeader, parseMime } from '../../lambdas/adapters/mime.ts';

const crlf = (lines: string[]) => lines.join('\r\n');

describe('parseMime (what SES TestRenderEmailTemplate answers)', () => {
  it('reads a JavaMail-style message: folded boundary, 7bit parts, CRLF line ends', () => {
    // Prepare
    const message = crlf([
      'Date: Thu, 01 Nov 2018 19:20:20 +0000',
      'Message-ID: <abc@email.amazonses.com>',
      'Subject: Grace invited you to join Acme',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; ',
      '\tboundary="----=_Part_1_2.3"',
      '',
      '------=_Part_1_2.3',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      'Hello Ada,',
      '#link-hidden-in-preview',
      '------=_Part_1_2.3',
      'Content-Type: text/html; charset=UTF-8',
      'Content-Transfer-Encoding: 7bit',
      '',
      '<p>Hello <a href="#link-hidden-in-preview">Ada</a></p>',
      '------=_Part_1_2.3--',
      '',
    ]);

    // Act
    const parsed = parseMime(message);

    // Assess
    expect(parsed).toEqual({
      subject: 'Grace invited you to join Acme',
      text: 'Hello Ada,\n#link-hidden-in-preview',
      html: '<p>Hello <a href="#link-hidden-in-preview">Ada</a></p>',
    });
  });

  it('decodes base64 and quoted-printable parts in their charset, inside a nested multipart, skipping attachments', () => {
    // Prepare
    const text = 'Grüße, Zoë — €5';
    const message = [
      'Subject: =?UTF-8?B?' + Buffer.from('Einladung für Zoë').toString('base64') + '?=',
      'Content-Type: multipart/mixed; boundary=outer',
      '',
      '--outer',
      'Content-Type: multipart/alternative; boundary="inner"',
      '',
      '--inner',
      'Content-Type: text/plain; charset="iso-8859-1"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=FC=DFe, =',
      'Zo=EB   ',
      '--inner',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      ...Buffer.from(`<p>${text}</p>`).toString('base64').match(/.{1,12}/g)!,
      '--inner--',
      '--outer',
      'Content-Type: text/plain',
      'Content-Disposition: attachment; filename="notes.txt"',
      '',
      'not the body',
      '--outer--',
    ].join('\n');

    // Act
    const parsed = parseMime(message);

    // Assess
    expect(parsed).toEqual({ subject: 'Einladung für Zoë', text: 'Grüße, Zoë', html: `<p>${text}</p>` });
  });

  it('joins adjacent encoded words, a character split across them included, and keeps plain text between others', () => {
    // Prepare: "ü" (C3 BC) is split across two B words.
    const split = `=?UTF-8?B?${Buffer.from([0x47, 0x72, 0xc3]).toString('base64')}?=\r\n =?UTF-8?B?${Buffer.from([0xbc, 0xc3, 0x9f, 0x65]).toString('base64')}?=`;

    // Act, Assess
    expect(decodeHeader(split.replace(/\r\n(?=[ \t])/g, ''))).toBe('Grüße');
    expect(decodeHeader('=?utf-8?q?Caf=C3=A9_au?= lait from =?UTF-8?Q?Zo=C3=AB?=')).toBe('Café au lait from Zoë');
    expect(decodeHeader('=?UTF-8?Q?a?= =?ISO-8859-1?Q?=E9?=')).toBe('aé');
    expect(decodeHeader('Plain subject')).toBe('Plain subject');
  });

  it('reads a single-part message, and answers empty parts for what it lacks', () => {
    expect(parseMime('Subject: Only HTML\nContent-Type: text/html; charset=utf-8\n\n<p>x</p>')).toEqual({ subject: 'Only HTML', text: '', html: '<p>x</p>' });
    expect(parseMime('no headers at all')).toEqual({ subject: '', text: '', html: '' });
  });
});
