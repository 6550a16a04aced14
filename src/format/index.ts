// How the app words values for people: dates and times, amounts of storage. Lowest layer, with config and
// errors: imports no other src folder, so chain, viz and app all use the same words.
export { formatDay, formatDayAndTime, formatRecordDay, formatRecordPeriod } from './formatDate.ts'
export { formatBytes } from './formatBytes.ts'
