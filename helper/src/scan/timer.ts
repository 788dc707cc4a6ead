/**
 * The longest delay a Node timer takes: 2^31 - 1 ms (about 24.8 days). Node fires a longer one after 1 ms, with a
 * TimeoutOverflowWarning (https://nodejs.org/api/timers.html#settimeoutcallback-delay-args), so a scan budget
 * above it would end every scan at once.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
