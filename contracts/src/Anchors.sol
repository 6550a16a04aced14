// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consent} from "./Consent.sol";
import {MAY_WRITE} from "./Terms.sol";

// Topics cost 375 gas and a data word 256: only what readers filter on is indexed.
// solhint-disable gas-indexed-events

/// @title Anchors
/// @notice Commitments to a patient's history: the 32-byte root of the history log's heads
/// and how many entries it covers. Anyone holding a replica recomputes the root and compares
/// it with the latest anchor; an altered, dropped or forged entry shows as a mismatch.
/// @dev An anchor is recorded in the log only, and a patient's latest anchor is the newest
/// of their anchor events: a stored copy would add a storage write (5,000 gas to update a
/// word, 22,100 the first time) to a call that costs about 23,350 gas in all.
abstract contract Anchors is Consent {
    /// @notice `patient` anchored their history: `root` commits to its `entryCount` entries.
    /// @dev Anonymous, so the log's first topic is `patient`: it saves the 375 gas of a
    /// signature topic on the call every patient makes most often. Filter by this contract's
    /// address and the patient's address as topic 0.
    /// @param patient The patient who anchored their own history.
    /// @param root The root of the history log's heads.
    /// @param entryCount The number of entries the root covers.
    event Anchored(address indexed patient, bytes32 root, uint256 entryCount) anonymous;

    /// @notice `doctor`, holding a live write grant, anchored `patient`'s history after adding entries.
    /// @param patient The patient whose history was anchored.
    /// @param doctor The doctor who anchored it.
    /// @param root The root of the history log's heads.
    /// @param entryCount The number of entries the root covers.
    event DoctorAnchored(address indexed patient, address indexed doctor, bytes32 root, uint256 entryCount);

    /// @notice The root is zero, which commits to nothing.
    error EmptyRoot();

    /// @notice The entry count is zero: a history with no entries has no heads to anchor.
    error NoEntries();

    /// @notice The caller is not the patient and holds no live write grant from them.
    /// @param patient The patient named.
    error NoWriteGrant(address patient);

    /// @notice Anchors the caller's own history: `root` commits to its `entryCount` entries.
    /// @dev Emits {Anchored}. Reverts with {EmptyRoot} or {NoEntries}.
    /// @param root The root of the history log's heads.
    /// @param entryCount The number of entries the root covers.
    function anchor(bytes32 root, uint256 entryCount) external {
        if (root == bytes32(0)) revert EmptyRoot();
        if (entryCount == 0) revert NoEntries();
        emit Anchored(msg.sender, root, entryCount);
    }

    /// @notice Anchors `patient`'s history as a doctor holding a live write grant from them,
    /// after adding entries to it.
    /// @dev Emits {DoctorAnchored}. Reverts with {EmptyRoot}, {NoEntries} or {NoWriteGrant}.
    /// @param patient The patient whose history is anchored.
    /// @param root The root of the history log's heads.
    /// @param entryCount The number of entries the root covers.
    function anchorForPatient(address patient, bytes32 root, uint256 entryCount) external {
        if (root == bytes32(0)) revert EmptyRoot();
        if (entryCount == 0) revert NoEntries();
        if (!_isLive(_grants[patient][msg.sender].terms, MAY_WRITE)) revert NoWriteGrant(patient);
        emit DoctorAnchored(patient, msg.sender, root, entryCount);
    }
}
