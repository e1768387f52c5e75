import { describe, expect, it } from 'vitest';
import { effectiveStatus, isFinal, magicLink, nearestLocale, normalizeEmail, toView, type Invitation } from '../../lambdas/domain/invitation.ts';

const base: Invitation = {
  id: 'inv_1',
  email: 'ada@example.com',
  status: 'pending',
  mode: 'magic-link',
  roleIds: [],
  organizationIds: [],
  organizationRoleIds: [],
  locale: 'en',
  metadata: {},
  inviter: {},
  reminder: true,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  expiresAt: '2026-11-08T00:00:00.000Z',
  delivery: {
    status: 'sent',
    sendCount: 1,
    settled: 1,
    request: { number: 2, by: { type: 'admin', id: 'admin-1' } },
    attempt: { number: 2, until: '2026-11-01T00:01:00.000Z' },
  },
  tokenIds: ['ott_secret_id'],
  blockedUserIds: ['user-1'],
  grants: 'pending',
  version: 3,
};

describe('effectiveStatus', () => {
  it('reads a pending invitation past expiresAt as expired, before any timer ran', () => {
    // Prepare
    const justBefore = new Date('2026-11-07T23:59:59.999Z');
    const atExpiry = new Date('2026-11-08T00:00:00.000Z');
    // Act / Assess
    expect(effectiveStatus(base, justBefore)).toBe('pending');
    expect(effectiveStatus(base, atExpiry)).toBe('expired');
  });

  it('keeps final statuses final whatever the time', () => {
    const later = new Date('2030-01-01T00:00:00.000Z');
    for (const status of ['accepted', 'revoked', 'expired'] as const) {
      expect(effectiveStatus({ ...base, status }, later)).toBe(status);
      expect(isFinal(status)).toBe(true);
    }
    expect(isFinal('pending')).toBe(false);
    expect(isFinal('undeliverable')).toBe(false);
  });
});

describe('normalizeEmail', () => {
  it('trims and lower-cases, because Logto compares one-time-token emails exactly', () => {
    expect(normalizeEmail('  Ada.Lovelace@Example.COM \n')).toBe('ada.lovelace@example.com');
  });
});

describe('magicLink', () => {
  it("builds Logto's registrationInvitation link with encoded parameters", () => {
    // Act
    const link = magicLink('https://app.example.com/landing?from=mail', 'tok/+=', 'a+b@example.com');
    // Assess
    const url = new URL(link);
    expect(url.origin + url.pathname).toBe('https://app.example.com/landing');
    expect(url.searchParams.get('from')).toBe('mail');
    expect(url.searchParams.get('type')).toBe('registrationInvitation');
    expect(url.searchParams.get('token')).toBe('tok/+=');
    expect(url.searchParams.get('email')).toBe('a+b@example.com');
  });
});

describe('toView', () => {
  it('shows the computed status and hides internal fields', () => {
    // Act
    const view = toView(base, new Date('2026-12-01T00:00:00.000Z'));
    // Assess
    expect(view.status).toBe('expired');
    for (const internal of ['tokenIds', 'blockedUserIds', 'version', 'grants']) expect(view).not.toHaveProperty(internal);
    expect(view.delivery).toEqual({ status: 'sent', sendCount: 1 });
  });

  it('reads queued while a send of a pending invitation is outstanding, and only then', () => {
    const pending = { ...base, expiresAt: '2030-01-01T00:00:00.000Z' };
    const now = new Date('2026-11-01T00:00:00.000Z');
    expect(toView(pending, now).delivery.status).toBe('queued');
    expect(toView({ ...pending, delivery: { ...pending.delivery, settled: 2 } }, now).delivery.status).toBe('sent');
    expect(toView({ ...pending, status: 'revoked' }, now).delivery.status).toBe('sent');
  });
});

describe('nearestLocale', () => {
  it('keeps a shipped tag, falls back to its language, then to the default', () => {
    const shipped = ['en', 'de'];
    expect(nearestLocale('de', shipped, 'en')).toBe('de');
    expect(nearestLocale('de-CH', shipped, 'en')).toBe('de');
    expect(nearestLocale('DE_at', shipped, 'en')).toBe('de');
    expect(nearestLocale('fr-CA', shipped, 'en')).toBe('en');
  });
});
