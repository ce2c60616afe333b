/** Beijing time (UTC+8, no daylight saving): the zone of every WeChat Pay time and bill day. */
export const BEIJING_OFFSET_MS = 8 * 3_600_000;
