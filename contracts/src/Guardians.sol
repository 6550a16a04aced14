// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consent} from "./Consent.sol";
import {Terms} from "./Terms.sol";

/// @title Guardians
/// @notice Caregivers a patient names so that, when the patient cannot act, one of them
/// may open the history to a treating doctor with a short emergency grant. The patient adds
/// and removes guardians at any time; every emergency grant names the guardian who made it.
/// @dev A guardian only fills a gap: they cannot change a grant that is live, so they can
/// never narrow, shorten or extend the patient's own consent, nor chain emergency grants.
abstract contract Guardians is Consent {
    /// @dev The longest an emergency grant may run: 72 hours from the block that sets it.
    uint256 internal constant MAX_EMERGENCY_DURATION = 72 hours;

    /// @dev Whether each patient has named each address as a guardian.
    mapping(address patient => mapping(address guardian => bool named)) private _guardians;

    /// @notice `patient` named `guardian` as one who may make emergency grants for them.
    /// @param patient The patient.
    /// @param guardian The guardian named.
    event GuardianAdded(address indexed patient, address indexed guardian);

    /// @notice `patient` removed `guardian`, who may no longer make emergency grants for them.
    /// @param patient The patient.
    /// @param guardian The guardian removed.
    event GuardianRemoved(address indexed patient, address indexed guardian);

    /// @notice `guardian` granted `doctor` emergency access to `patient`'s history on `terms`.
    /// @param patient The patient whose history the grant opens.
    /// @param doctor The doctor who may read (and, with the write bit, add to) it.
    /// @param guardian The guardian who made the grant on the patient's behalf.
    /// @param terms The grant: expiry in bits 0-63 (unix seconds), scope in bits 64-79.
    event EmergencyGranted(address indexed patient, address indexed doctor, address indexed guardian, Terms terms);

    /// @notice The guardian is the zero address or the patient themself.
    /// @param guardian The address given as the guardian.
    error InvalidGuardian(address guardian);

    /// @notice The address is already one of the patient's guardians.
    /// @param guardian The address given.
    error GuardianAlreadyAdded(address guardian);

    /// @notice The address is not one of the patient's guardians.
    /// @param guardian The address given.
    error GuardianNotFound(address guardian);

    /// @notice The caller is not a guardian of the patient and may not grant on their behalf.
    /// @param patient The patient named.
    /// @param caller The caller.
    error NotGuardian(address patient, address caller);

    /// @notice The doctor already holds a live grant from the patient, which only the patient may change.
    /// @param doctor The doctor named.
    error GrantAlreadyLive(address doctor);

    /// @notice Names `guardian` as one of the caller's guardians.
    /// @dev Emits {GuardianAdded}. The caller is the patient. Reverts with {InvalidGuardian}
    /// or {GuardianAlreadyAdded}.
    /// @param guardian The caregiver who may make emergency grants for the caller.
    function addGuardian(address guardian) external {
        if (guardian == address(0) || guardian == msg.sender) revert InvalidGuardian(guardian);
        mapping(address guardian => bool named) storage guardians = _guardians[msg.sender];
        if (guardians[guardian]) revert GuardianAlreadyAdded(guardian);
        guardians[guardian] = true;
        emit GuardianAdded(msg.sender, guardian);
    }

    /// @notice Removes `guardian` from the caller's guardians. Emergency grants they already
    /// made stay until they expire or the caller revokes them.
    /// @dev Emits {GuardianRemoved}. Reverts with {GuardianNotFound}.
    /// @param guardian The guardian to remove.
    function removeGuardian(address guardian) external {
        mapping(address guardian => bool named) storage guardians = _guardians[msg.sender];
        if (!guardians[guardian]) revert GuardianNotFound(guardian);
        delete guardians[guardian];
        emit GuardianRemoved(msg.sender, guardian);
    }

    /// @notice As a guardian of `patient`, grants `doctor` emergency access to the patient's
    /// history on `terms`, running at most 72 hours.
    /// @dev Emits {EmergencyGranted}. Reverts with {NotGuardian}, {InvalidDoctor} (also when
    /// the doctor is the guardian themself),
    /// {ExpiryNotInFuture}, {ExpiryTooFar}, {EmptyScope}, {UnknownScope} or {GrantAlreadyLive}.
    /// @param patient The patient the caller is a guardian of.
    /// @param doctor The doctor to grant access to.
    /// @param terms The expiry (bits 0-63) and the scope (bits 64-79), as for {grant}.
    function emergencyGrant(address patient, address doctor, Terms terms) external {
        if (!_guardians[patient][msg.sender]) revert NotGuardian(patient, msg.sender);
        if (doctor == msg.sender) revert InvalidDoctor(doctor);
        _checkTerms(patient, doctor, terms, MAX_EMERGENCY_DURATION);
        Grant storage current = _grants[patient][doctor];
        if (_isLive(current.terms, 0)) revert GrantAlreadyLive(doctor);
        current.terms = terms;
        emit EmergencyGranted(patient, doctor, msg.sender, terms);
    }

    /// @notice Whether `patient` has named `guardian` as one of their guardians.
    /// @param patient The patient.
    /// @param guardian The address asked about.
    /// @return named True if `guardian` may make emergency grants for `patient`.
    function isGuardian(address patient, address guardian) external view returns (bool named) {
        return _guardians[patient][guardian];
    }
}
