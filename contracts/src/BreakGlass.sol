// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

// Topics cost 375 gas and a data word 256: only what readers filter on is indexed.
// solhint-disable gas-indexed-events

/// @title BreakGlass
/// @notice The record an emergency clinician leaves when opening a patient's emergency
/// summary without a grant: who, when and why, for the patient to see later.
/// @dev Anyone may break glass (an emergency clinician holds no grant by definition);
/// what stops abuse is that the act is public, permanent and names the clinician.
/// The event is the whole record: nothing is stored.
abstract contract BreakGlass {
    /// @notice `clinician` opened `patient`'s emergency summary at `time` for `reasonCode`.
    /// @param patient The patient whose emergency summary was opened.
    /// @param clinician The account that opened it.
    /// @param reasonCode Why (1 unconscious, 2 cannot communicate, 3 life-threatening; the app names them).
    /// @param time The block time (unix seconds) of the access.
    event GlassBroken(address indexed patient, address indexed clinician, uint8 reasonCode, uint64 time);

    /// @notice The patient is the zero address.
    error InvalidPatient();

    /// @notice The reason code is zero: an emergency access must give a reason.
    error NoReason();

    /// @notice Records that the caller opened `patient`'s emergency summary, and why.
    /// @dev Emits {GlassBroken}. Reverts with {InvalidPatient} or {NoReason}.
    /// @param patient The patient whose emergency summary the caller opens.
    /// @param reasonCode Why the caller opens it; non-zero.
    function breakGlass(address patient, uint8 reasonCode) external {
        if (patient == address(0)) revert InvalidPatient();
        if (reasonCode == 0) revert NoReason();
        emit GlassBroken(patient, msg.sender, reasonCode, uint64(block.timestamp));
    }
}
