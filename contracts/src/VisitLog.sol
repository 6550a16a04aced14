// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consent} from "./Consent.sol";

/// @title VisitLog
/// @notice A doctor's app records each time it opens a patient's history, so the patient
/// sees every visit in the audit trail. It records access; it cannot prevent a copy of
/// what was read.
/// @dev Only a doctor with a live grant may log a visit: without one there is nothing they
/// could have opened, and a stranger cannot fill the patient's trail with false visits.
/// The event is the whole record: nothing is stored.
abstract contract VisitLog is Consent {
    /// @notice `doctor` opened `patient`'s history under a live grant.
    /// @param patient The patient whose history was opened.
    /// @param doctor The doctor who opened it.
    event VisitLogged(address indexed patient, address indexed doctor);

    /// @notice The caller holds no live grant from the patient.
    /// @param patient The patient named.
    error NoLiveGrant(address patient);

    /// @notice Records that the caller, a doctor with a live grant, opened `patient`'s history.
    /// @dev Emits {VisitLogged}. Reverts with {NoLiveGrant}.
    /// @param patient The patient whose history the caller opened.
    function logVisit(address patient) external {
        if (!_isLive(_grants[patient][msg.sender].terms, 0)) revert NoLiveGrant(patient);
        emit VisitLogged(patient, msg.sender);
    }
}
