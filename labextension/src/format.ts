/**
 * Times, counts and names as the sidebar words them.
 */

import { ISessionSummary } from './api';

/** What a session without a title is called. */
export const UNTITLED = 'Untitled session';

/** The name a session is shown by: its title, or {@link UNTITLED}. */
export function sessionLabel(session: Pick<ISessionSummary, 'title'>): string {
  return session.title || UNTITLED;
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
export function sessionsShown(shown: number, total: number): string {
  return `Showing ${integer.format(shown)} of ${integer.format(total)} sessions`;
}

/** "1 message", "3 messages". */
export function messageCount(count: number): string {
  return `${count} ${count === 1 ? 'message' : 'messages'}`;
}
