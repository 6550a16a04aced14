// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {CATEGORIES, MAY_WRITE, REVOKED_SHIFT, Terms} from "./Terms.sol";

/// @title Consent
/// @notice A patient's grants to doctors: which record categories a doctor may read,
/// whether they may add records, and until when. Only the patient grants, re-grants and
/// revokes; anyone can ask whether a grant is live.
/// @dev A grant is one storage word, its {Terms}. The events carry that same word, so a
/// reader rebuilds every grant from the logs alone. A revocation zeroes the expiry and scope
/// and keeps its own time in the word's top bits, which {Guardians} reads to refuse an
/// emergency grant to a doctor the patient has just turned away.
abstract contract Consent {
    /// @dev The longest a patient's grant may run: one year from the block that sets it.
    uint256 internal constant MAX_GRANT_DURATION = 365 days;

    /// @dev A grant's storage word, wrapped so a function holds one pointer to it and
    /// hashes the patient and doctor into its slot once, not once per access.
    struct Grant {
        Terms terms;
    }

    /// @dev One word per patient and doctor; a zero expiry means no grant (never granted, or
    /// revoked, when the word's top bits hold the revocation's time).
    mapping(address patient => mapping(address doctor => Grant grant)) internal _grants;

    /// @notice `patient` granted `doctor` access on `terms`, or changed an earlier grant to them.
    /// @param patient The patient whose history the grant opens.
    /// @param doctor The doctor who may read (and, with the write bit, add to) it.
    /// @param terms The grant: expiry in bits 0-63 (unix seconds), scope in bits 64-79.
    event Granted(address indexed patient, address indexed doctor, Terms terms);

    /// @notice `patient` revoked the grant `doctor` held, whether it was live or already expired.
    /// @param patient The patient who revoked.
    /// @param doctor The doctor who no longer holds a grant.
    event Revoked(address indexed patient, address indexed doctor);

    /// @notice The doctor is the zero address, or the one granting (the patient, or the guardian
    /// of an emergency grant) themself.
    /// @param doctor The address given as the doctor.
    error InvalidDoctor(address doctor);

    /// @notice The expiry is not after the current block's time: the grant would never be live.
    /// @param expiry The expiry given, in unix seconds.
    error ExpiryNotInFuture(uint256 expiry);

    /// @notice The expiry is later than the longest grant allowed from now.
    /// @param expiry The expiry given, in unix seconds.
    /// @param latest The latest expiry allowed in this block, in unix seconds.
    error ExpiryTooFar(uint256 expiry, uint256 latest);

    /// @notice The scope names no record category: the grant would open nothing.
    error EmptyScope();

    /// @notice The scope sets a bit that is neither a record category nor the write bit.
    /// @param scope The scope given (the terms' bits from 64 up).
    error UnknownScope(uint256 scope);

    /// @notice The doctor already holds exactly these terms: nothing would change.
    error GrantUnchanged();

    /// @notice The doctor holds no grant from the caller: there is nothing to revoke.
    /// @param doctor The doctor named.
    error NoGrant(address doctor);

    /// @notice Grants `doctor` access to the caller's history on `terms`, replacing any
    /// earlier grant to them (a re-grant updates the terms in place) and the memory of an
    /// earlier revocation of them.
    /// @dev Emits {Granted}. The caller is the patient. Reverts with {InvalidDoctor},
    /// {ExpiryNotInFuture}, {ExpiryTooFar} (more than a year ahead), {EmptyScope},
    /// {UnknownScope} or {GrantUnchanged}.
    /// @param doctor The doctor to grant access to.
    /// @param terms The expiry (bits 0-63, the first second at which the grant is no longer
    /// live) and the scope (bits 64-79: record categories in 64-72, the write bit at 79).
    function grant(address doctor, Terms terms) external {
        _checkTerms(msg.sender, doctor, terms, MAX_GRANT_DURATION);
        Grant storage current = _grants[msg.sender][doctor];
        if (Terms.unwrap(current.terms) == Terms.unwrap(terms)) revert GrantUnchanged();
        current.terms = terms;
        emit Granted(msg.sender, doctor, terms);
    }

    /// @notice Revokes the grant `doctor` holds from the caller, live or expired. For 30 days
    /// after, no guardian of the caller may give `doctor` an emergency grant.
    /// @dev Emits {Revoked}. Reverts with {NoGrant} if there is none. The word keeps only the
    /// revocation's time: nonzero to nonzero costs less than clearing the slot and writing a
    /// second one.
    /// @param doctor The doctor whose grant ends.
    function revoke(address doctor) external {
        Grant storage current = _grants[msg.sender][doctor];
        if (current.terms.expiryOf() == 0) revert NoGrant(doctor);
        current.terms = Terms.wrap(block.timestamp << REVOKED_SHIFT);
        emit Revoked(msg.sender, doctor);
    }

    /// @notice Whether `doctor` holds a grant from `patient` that is live now and covers `scope`.
    /// @param patient The patient whose history is asked about.
    /// @param doctor The doctor asking.
    /// @param scope The categories (and write bit) needed; zero asks whether any grant is live.
    /// @return live True if the grant's expiry is after this block's time and its scope has every bit of `scope`.
    function isLive(address patient, address doctor, uint16 scope) external view returns (bool live) {
        return _isLive(_grants[patient][doctor].terms, scope);
    }

    /// @notice The grant `doctor` holds from `patient` as stored, live or expired.
    /// @param patient The patient who granted.
    /// @param doctor The doctor who holds the grant.
    /// @return expiry The first second (unix time) at which the grant is no longer live; zero if none.
    /// @return scope The categories and write bit granted; zero if none.
    function grantOf(address patient, address doctor) external view returns (uint64 expiry, uint16 scope) {
        Terms terms = _grants[patient][doctor].terms;
        return (uint64(terms.expiryOf()), uint16(terms.scopeOf()));
    }

    /// @dev Reverts unless `terms` make a grant that `patient` (or their guardian) may give
    /// `doctor` now, running at most `maxDuration` seconds.
    function _checkTerms(address patient, address doctor, Terms terms, uint256 maxDuration) internal view {
        if (doctor == address(0)) revert InvalidDoctor(doctor);
        if (doctor == patient) revert InvalidDoctor(doctor);
        uint256 expiry = terms.expiryOf();
        uint256 scope = terms.scopeOf();
        unchecked {
            // One comparison checks both bounds: when expiry <= now the subtraction wraps around.
            if (expiry - block.timestamp - 1 > maxDuration - 1) _revertBadExpiry(expiry, maxDuration);
            // One comparison checks both scope rules: at least one category, no unknown bit.
            if ((scope & ~MAY_WRITE) - 1 > CATEGORIES - 1) _revertBadScope(scope);
        }
    }

    /// @dev Whether `terms` are live in this block and cover every bit of `scope`.
    function _isLive(Terms terms, uint256 scope) internal view returns (bool) {
        return terms.expiryOf() > block.timestamp && (terms.scopeOf() & scope) == scope;
    }

    /// @dev Says which expiry rule failed; reached only by a failing call.
    function _revertBadExpiry(uint256 expiry, uint256 maxDuration) private view {
        if (expiry < block.timestamp + 1) revert ExpiryNotInFuture(expiry);
        revert ExpiryTooFar(expiry, block.timestamp + maxDuration);
    }

    /// @dev Says which scope rule failed; reached only by a failing call.
    function _revertBadScope(uint256 scope) private pure {
        if (scope & CATEGORIES == 0) revert EmptyScope();
        revert UnknownScope(scope);
    }
}
