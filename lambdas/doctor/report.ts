/** The doctor's report as text: one line per check, the fix on the same line. */
import type { CheckStatus, DoctorReport } from './checks.ts';

const marks: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '-' };

export function formatReport(report: DoctorReport): string {
  const lines = report.results.map(
    (check) => `${marks[check.status]} ${check.title}: ${check.detail}${check.fix ? `. Fix: ${check.fix}` : ''}`,
  );
  const count = (status: CheckStatus) => report.results.filter((check) => check.status === status).length;
  const summary = [
    `${count('pass')} ok`,
    `${count('fail')} failed`,
    `${count('warn')} warning${count('warn') === 1 ? '' : 's'}`,
    `${count('skip')} skipped`,
  ].join(', ');
  return [`Doctor: ${report.target}`, '', ...lines, '', summary].join('\n');
}
