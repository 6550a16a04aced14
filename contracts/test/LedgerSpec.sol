// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ConsentLedger} from "../src/ConsentLedger.sol";
import {Terms} from "../src/Terms.sol";

/// @dev The cheatcodes the ledger's tests use (forge-std is not available here).
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function prank(address sender) external;
    function warp(uint256 timestamp) external;
    function assume(bool condition) external pure;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool topic1, bool topic2, bool topic3, bool data, address emitter) external;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
    function load(address target, bytes32 slot) external view returns (bytes32 data);
    function assertEq(bytes32 left, bytes32 right, string calldata message) external pure;
    function assertEq(uint256 left, uint256 right, string calldata message) external pure;
    function assertEq(address left, address right, string calldata message) external pure;
    function assertTrue(bool condition, string calldata message) external pure;
    function assertFalse(bool condition, string calldata message) external pure;
}

/// @dev The address every Foundry-compatible runner answers cheatcodes at.
Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @dev The people of the ledger's specification, the scope bits, and a fresh ledger at a fixed time.
abstract contract LedgerSpec {
    ConsentLedger internal ledger;

    address internal constant PATIENT = address(0xA11CE);
    address internal constant DOCTOR = address(0xD0C);
    address internal constant SECOND_DOCTOR = address(0xD0C2);
    address internal constant GUARDIAN = address(0x6A4D);
    address internal constant CLINICIAN = address(0xE3E);
    address internal constant STRANGER = address(0x5742);

    uint256 internal constant CONDITIONS = 1 << 0;
    uint256 internal constant MEDICATIONS = 1 << 1;
    uint256 internal constant ALLERGIES = 1 << 2;
    uint256 internal constant PROCEDURES = 1 << 3;
    uint256 internal constant IMMUNIZATIONS = 1 << 4;
    uint256 internal constant RESULTS = 1 << 5;
    uint256 internal constant REPORTS = 1 << 6;
    uint256 internal constant FAMILY_HISTORY = 1 << 7;
    uint256 internal constant NOTES = 1 << 8;
    uint256 internal constant ALL_CATEGORIES = 0x1FF;
    uint256 internal constant MAY_WRITE = 1 << 15;

    uint256 internal constant ONE_YEAR = 365 days;
    uint256 internal constant SEVENTY_TWO_HOURS = 72 hours;

    /// @dev 1 June 2026, 00:00 UTC: a realistic "now" with room to go back in time.
    uint256 internal constant START = 1_780_272_000;

    function setUp() public virtual {
        VM.warp(START);
        ledger = new ConsentLedger();
    }

    /// @dev Packs an expiry and a scope into a grant's terms, as the app does.
    function terms(uint256 expiry, uint256 scope) internal pure returns (Terms) {
        return Terms.wrap(expiry | (scope << 64));
    }

    function grantAs(address patient, address doctor, uint256 expiry, uint256 scope) internal {
        VM.prank(patient);
        ledger.grant(doctor, terms(expiry, scope));
    }

    function addGuardianAs(address patient, address guardian) internal {
        VM.prank(patient);
        ledger.addGuardian(guardian);
    }

    function isLive(address patient, address doctor, uint256 scope) internal view returns (bool) {
        return ledger.isLive(patient, doctor, uint16(scope));
    }

    /// @dev `value` mapped into [min, max] (forge-std's bound, which is not available here).
    function bound(uint256 value, uint256 min, uint256 max) internal pure returns (uint256) {
        return min + (value % (max - min + 1));
    }

    /// @dev Accounts a fuzzed test may use as a person: not zero, not a precompile, the
    /// cheatcode address, this test or the ledger.
    function assumePerson(address account) internal view {
        VM.assume(uint160(account) > 0xff && account != address(VM) && account != address(this) && account != address(ledger));
    }
}
