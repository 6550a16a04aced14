// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @dev A grant's terms in one word, the same word in the call, in storage and in the
/// events: the expiry in bits 0-63 (unix seconds, the first second at which the grant is
/// no longer live) and the scope in bits 64-79. One word keeps a grant to one calldata
/// argument, one storage slot and one word of log data. In storage only, a revocation
/// leaves its time in bits 192-255 of that word (see {revokedAtOf}); a call's terms can
/// never carry those bits, since the scope checks refuse every bit above the scope's.
type Terms is uint256;

using {expiryOf, scopeOf, revokedAtOf} for Terms global;

/// @dev The record categories, one bit each: conditions (bit 0), medications, allergies,
/// procedures, immunizations, results, reports, family history, notes (bit 8).
uint256 constant CATEGORIES = 0x1FF;

/// @dev The "may write" bit of a scope: the doctor may add records and anchor them.
uint256 constant MAY_WRITE = 0x8000;

/// @dev Where the scope starts in the terms word; below it, the expiry.
uint256 constant SCOPE_SHIFT = 64;

/// @dev The expiry's bits in the terms word.
uint256 constant EXPIRY_MASK = (1 << 64) - 1;

/// @dev Where a stored word keeps the time of the patient's last revocation of the doctor.
uint256 constant REVOKED_SHIFT = 192;

/// @notice The first second (unix time) at which a grant on `terms` is no longer live.
/// @param terms The grant's terms.
/// @return expiry The expiry, zero for no grant.
function expiryOf(Terms terms) pure returns (uint256 expiry) {
    return Terms.unwrap(terms) & EXPIRY_MASK;
}

/// @notice The scope of a grant on `terms`: everything above the expiry bits.
/// @param terms The grant's terms.
/// @return scope The categories (bits 0-8) and write bit (bit 15); a stray higher bit shows too, and
/// so does a stored revocation's time (bits 128 up of the result), which callers drop by keeping
/// 16 bits or by checking the expiry first.
function scopeOf(Terms terms) pure returns (uint256 scope) {
    return Terms.unwrap(terms) >> SCOPE_SHIFT;
}

/// @notice When the patient revoked the doctor whose stored grant word is `terms`.
/// @param terms A grant's word as stored.
/// @return revokedAt The block time (unix seconds) of the revocation; zero if the word holds a
/// grant (a grant, the patient's or an emergency one, overwrites the revocation) or nothing.
function revokedAtOf(Terms terms) pure returns (uint256 revokedAt) {
    return Terms.unwrap(terms) >> REVOKED_SHIFT;
}
