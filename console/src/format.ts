/** How the console words times and statuses. */
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' });

const units: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

/** "in 3 days", "2 hours ago", "now". */
export function fromNow(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  if (Math.abs(seconds) < 45) return seconds >= 0 ? 'in a moment' : 'just now';
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return relative.format(seconds, 'second');
}

export const dateTime = (iso: string) => absolute.format(new Date(iso));

export const modeLabels = { 'magic-link': 'Magic link', 'accept-link': 'Accept link', provision: 'Pre-provisioned' } as const;

/** An event's type as a phrase: `invitation.delivery_failed` → "delivery failed". */
export const eventLabel = (type: string) => type.replace(/^invitation\./, '').replace(/[._]/g, ' ');
