// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consent} from "./Consent.sol";
import {MAY_WRITE, Terms, scopeOf} from "./Terms.sol";

/// @title Guardians
/// @notice Caregivers a patient names so that, when the patient cannot act, one of them
/// may open the history to a treating doctor with a short emergency grant. The patient adds
/// and removes guardians at any time; every emergency grant names the guardian who made it.
/// @dev A guardian only fills a gap, within these limits:
/// - they cannot change a grant that is live (the patient's or an emergency one), so they
///   never narrow, shorten or extend it;
/// - an emergency grant runs at most 72 hours;
/// - a doctor whose last grant from the patient (the patient's own or an emergency one) ended
///   less than 7 days ago gets no emergency grant, so grants cannot be chained back to back
///   and a grant the patient let lapse is not renewed at once by someone else;
/// - a doctor the patient revoked less than 30 days ago gets no emergency grant, unless the
///   patient has granted them again since;
/// - each guardian makes at most 3 emergency grants for a patient in any 30 days.
abstract contract Guardians is Consent {
    /// @dev The longest an emergency grant may run: 72 hours from the block that sets it.
    uint256 internal constant MAX_EMERGENCY_DURATION = 72 hours;

    /// @dev How long after a doctor's last grant from the patient ended no emergency grant may
    /// be made to them. Longer than an emergency grant itself: chained back to back, a guardian
    /// could otherwise keep a doctor in the history indefinitely.
    uint256 internal constant EMERGENCY_COOLDOWN = 7 days;

    /// @dev How long after the patient revoked a doctor no emergency grant may be made to them:
    /// a patient who turned a doctor away is not overruled by their guardian in the weeks after.
    uint256 internal constant REVOCATION_MEMORY = 30 days;

    /// @dev How many emergency grants one guardian may make for one patient in any
    /// {EMERGENCY_WINDOW}: an emergency team (a first doctor, a specialist, an intensive care
    /// doctor) fits; a guardian opening the history to doctor after doctor does not. Below 4:
    /// the grants' times share one slot, 64 bits each, under a mask of 64 bits per grant.
    uint256 internal constant EMERGENCY_GRANT_CAP = 3;

    /// @dev The rolling window {EMERGENCY_GRANT_CAP} counts in.
    uint256 internal constant EMERGENCY_WINDOW = 30 days;

    /// @dev Whether each patient has named each address as a guardian.
    mapping(address patient => mapping(address guardian => bool named)) private _guardians;

    /// @dev The block times of a guardian's last {EMERGENCY_GRANT_CAP} emergency grants for a
    /// patient, 64 bits each, the newest in bits 0-63 (zero where there is none): the cap reads
    /// the oldest, and one slot holds them all. Kept when the guardian is removed,
    /// so removing and naming them again does not reset the count.
    mapping(address patient => mapping(address guardian => uint256 times)) private _emergencyGrantTimes;

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

    /// @notice The doctor's last grant from the patient ended less than 7 days ago.
    /// @param doctor The doctor named.
    /// @param until The first second (unix time) at which an emergency grant to them is allowed.
    error EmergencyGrantCoolingDown(address doctor, uint256 until);

    /// @notice The patient revoked the doctor less than 30 days ago.
    /// @param doctor The doctor named.
    /// @param until The first second (unix time) at which an emergency grant to them is allowed.
    error DoctorRevokedRecently(address doctor, uint256 until);

    /// @notice An emergency grant lets the doctor read, never write: a guardian acts for the patient
    /// in an emergency, and what goes into the patient's history stays the patient's to allow.
    /// @param doctor The doctor named.
    error EmergencyGrantMayNotWrite(address doctor);

    /// @notice The guardian has made 3 emergency grants for the patient in the last 30 days.
    /// @param guardian The caller.
    /// @param until The first second (unix time) at which they may make another.
    error EmergencyGrantCapReached(address guardian, uint256 until);

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
    /// history on `terms`, running at most 72 hours, within the limits above.
    /// @dev Emits {EmergencyGranted}. Reverts with {NotGuardian}, {InvalidDoctor} (also when
    /// the doctor is the guardian themself), {ExpiryNotInFuture}, {ExpiryTooFar}, {EmptyScope},
    /// {UnknownScope}, {EmergencyGrantMayNotWrite}, {GrantAlreadyLive}, {DoctorRevokedRecently}, {EmergencyGrantCoolingDown}
    /// or {EmergencyGrantCapReached}.
    /// @param patient The patient the caller is a guardian of.
    /// @param doctor The doctor to grant access to.
    /// @param terms The expiry (bits 0-63) and the scope (bits 64-79), as for {grant}.
    function emergencyGrant(address patient, address doctor, Terms terms) external {
        if (!_guardians[patient][msg.sender]) revert NotGuardian(patient, msg.sender);
        if (doctor == msg.sender) revert InvalidDoctor(doctor);
        _checkTerms(patient, doctor, terms, MAX_EMERGENCY_DURATION);
        if (scopeOf(terms) & MAY_WRITE != 0) revert EmergencyGrantMayNotWrite(doctor);
        Grant storage current = _grants[patient][doctor];
        Terms previous = current.terms;
        if (_isLive(previous, 0)) revert GrantAlreadyLive(doctor);
        uint256 revokedAt = previous.revokedAtOf();
        if (revokedAt != 0 && block.timestamp < revokedAt + REVOCATION_MEMORY) {
            revert DoctorRevokedRecently(doctor, revokedAt + REVOCATION_MEMORY);
        }
        // A revoked word's expiry is zero; an expired grant's is when it ended.
        uint256 ended = previous.expiryOf();
        if (ended != 0 && block.timestamp < ended + EMERGENCY_COOLDOWN) {
            revert EmergencyGrantCoolingDown(doctor, ended + EMERGENCY_COOLDOWN);
        }
        uint256 times = _emergencyGrantTimes[patient][msg.sender];
        // The oldest time kept: when it is inside the window, so are all the later ones.
        uint256 oldest = times >> (64 * (EMERGENCY_GRANT_CAP - 1));
        if (oldest != 0 && block.timestamp < oldest + EMERGENCY_WINDOW) {
            revert EmergencyGrantCapReached(msg.sender, oldest + EMERGENCY_WINDOW);
        }
        _emergencyGrantTimes[patient][msg.sender] = ((times << 64) | block.timestamp) & ((1 << (64 * EMERGENCY_GRANT_CAP)) - 1);
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
