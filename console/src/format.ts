/** How the console words times and statuses. */
import { relativeTime } from '../../cli/format.ts';

const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

/** "in 3 days", "2 hours ago", "just now": worded as the CLI words it (one function for both). */
export const fromNow = (iso: string) => relativeTime(iso, new Date());

export const dateTime = (iso: string) => absolute.format(new Date(iso));

export const modeLabels = { 'magic-link': 'Magic link', 'accept-link': 'Accept link', provision: 'Pre-provisioned' } as const;

/** An event's type as a phrase: `invitation.delivery_failed` → "delivery failed". */
export const eventLabel = (type: string) => type.replace(/^invitation\./, '').replace(/[._]/g, ' ');
