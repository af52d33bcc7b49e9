/**
 * Times, counts and names as the sidebar words them, in the user's language.
 */

import { TranslationBundle } from '@jupyterlab/translation';

import { ISessionSummary } from './api';

/** The name a session is shown by: its title, or "Untitled session". */
export function sessionLabel(session: Pick<ISessionSummary, 'title'>, trans: TranslationBundle): string {
  return session.title || trans.__('Untitled session');
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayAndTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const full = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'long' });

/**
 * A `<time>` element for an ISO 8601 timestamp: the time of day if it is today, else date and time,
 * in the user's locale, with the full date as tooltip. Absolute rather than relative ("5 minutes
 * ago"), so nothing needs re-rendering as time passes.
 */
export function timeElement(iso: string): HTMLTimeElement {
  const date = new Date(iso);
  const element = document.createElement('time');
  element.dateTime = iso;
  element.textContent = (isToday(date) ? timeOfDay : dayAndTime).format(date);
  element.title = full.format(date);
  return element;
}

function isToday(date: Date): boolean {
  return date.toDateString() === new Date().toDateString();
}

const integer = new Intl.NumberFormat();

/** "Showing 200 of 1,200 sessions", numbers in the user's locale. */
export function sessionsShown(shown: number, total: number, trans: TranslationBundle): string {
  return trans._n(
    'Showing %2 of %3 session',
    'Showing %2 of %3 sessions',
    total,
    integer.format(shown),
    integer.format(total)
  );
}

/** "1 message", "3 messages". */
export function messageCount(count: number, trans: TranslationBundle): string {
  return trans._n('%1 message', '%1 messages', count);
}
