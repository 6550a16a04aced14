// The User Timing names of a card's scan: a code decoded, and the time from there until the card's
// words are drawn (the bench reads it: emergency.scanToOfflineTier.ms).
export const DECODED_MARK = 'emergency.cardDecoded'
export const SCAN_TO_TIER_MEASURE = 'emergency.scanToOfflineTier'
