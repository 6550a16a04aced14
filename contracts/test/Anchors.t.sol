// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Anchors} from "../src/Anchors.sol";
import {LedgerSpec, VM, Vm} from "./LedgerSpec.sol";

/// @title Anchors specification
/// @notice A patient anchors their own history; a doctor anchors it only under a live write grant.
contract AnchorsTest is LedgerSpec {
    bytes32 internal constant ROOT = keccak256("heads of the history log");

    function anchorAs(address patient, bytes32 root, uint256 entryCount) internal {
        VM.prank(patient);
        ledger.anchor(root, entryCount);
    }

    function anchorForPatientAs(address doctor, address patient, bytes32 root, uint256 entryCount) internal {
        VM.prank(doctor);
        ledger.anchorForPatient(patient, root, entryCount);
    }

    // --- The patient's anchor ------------------------------------------------

    function test_aPatientAnchorsTheirHistory() public {
        VM.expectEmit(true, false, false, true, address(ledger));
        emit Anchors.Anchored(PATIENT, ROOT, 12);
        anchorAs(PATIENT, ROOT, 12);
    }

    function test_theAnchorEventLeadsWithThePatientSoReadersFilterOnIt() public {
        VM.recordLogs();
        anchorAs(PATIENT, ROOT, 12);

        Vm.Log[] memory logs = VM.getRecordedLogs();
        VM.assertEq(logs.length, 1, "one event");
        VM.assertEq(logs[0].topics.length, 1, "anonymous: no signature topic");
        VM.assertEq(logs[0].topics[0], bytes32(uint256(uint160(PATIENT))), "topic 0 is the patient");
        VM.assertEq(keccak256(logs[0].data), keccak256(abi.encode(ROOT, uint256(12))), "root and count as data");
    }

    function test_anAnchorIsAlwaysOfTheCallersOwnHistory() public {
        VM.expectEmit(true, false, false, true, address(ledger));
        emit Anchors.Anchored(STRANGER, ROOT, 3);
        anchorAs(STRANGER, ROOT, 3);
    }

    function test_aPatientMayAnchorAgainAndTheLatestCounts() public {
        VM.recordLogs();
        anchorAs(PATIENT, ROOT, 12);
        anchorAs(PATIENT, keccak256("later heads"), 13);

        Vm.Log[] memory logs = VM.getRecordedLogs();
        VM.assertEq(logs.length, 2, "two anchors");
        (bytes32 latestRoot, uint256 latestCount) = abi.decode(logs[1].data, (bytes32, uint256));
        VM.assertEq(latestRoot, keccak256("later heads"), "latest root");
        VM.assertEq(latestCount, 13, "latest count");
    }

    function test_anEmptyRootIsRefused() public {
        VM.expectRevert(Anchors.EmptyRoot.selector);
        anchorAs(PATIENT, bytes32(0), 12);
    }

    function test_anAnchorOfNoEntriesIsRefused() public {
        VM.expectRevert(Anchors.NoEntries.selector);
        anchorAs(PATIENT, ROOT, 0);
    }

    // --- A doctor's anchor ---------------------------------------------------

    function test_aDoctorWithALiveWriteGrantAnchorsThePatientsHistory() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS | MAY_WRITE);

        VM.expectEmit(true, true, false, true, address(ledger));
        emit Anchors.DoctorAnchored(PATIENT, DOCTOR, ROOT, 14);
        anchorForPatientAs(DOCTOR, PATIENT, ROOT, 14);
    }

    function test_aDoctorWithAReadOnlyGrantCannotAnchor() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, ALL_CATEGORIES);

        VM.expectRevert(abi.encodeWithSelector(Anchors.NoWriteGrant.selector, PATIENT));
        anchorForPatientAs(DOCTOR, PATIENT, ROOT, 14);
    }

    function test_aDoctorWhoseWriteGrantExpiredCannotAnchor() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS | MAY_WRITE);
        VM.warp(START + 1 days);

        VM.expectRevert(abi.encodeWithSelector(Anchors.NoWriteGrant.selector, PATIENT));
        anchorForPatientAs(DOCTOR, PATIENT, ROOT, 14);
    }

    function test_aRevokedDoctorCannotAnchor() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS | MAY_WRITE);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        VM.expectRevert(abi.encodeWithSelector(Anchors.NoWriteGrant.selector, PATIENT));
        anchorForPatientAs(DOCTOR, PATIENT, ROOT, 14);
    }

    function test_aStrangerCannotAnchorSomeoneElsesHistory() public {
        VM.expectRevert(abi.encodeWithSelector(Anchors.NoWriteGrant.selector, PATIENT));
        anchorForPatientAs(STRANGER, PATIENT, ROOT, 14);
    }

    function test_aDoctorsAnchorFollowsTheSameRootAndCountRules() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS | MAY_WRITE);

        VM.expectRevert(Anchors.EmptyRoot.selector);
        anchorForPatientAs(DOCTOR, PATIENT, bytes32(0), 14);
        VM.expectRevert(Anchors.NoEntries.selector);
        anchorForPatientAs(DOCTOR, PATIENT, ROOT, 0);
    }

    // --- Properties for all inputs -----------------------------------------

    function testFuzz_anyNonEmptyAnchorIsRecordedUnderTheCaller(address patient, bytes32 root, uint256 entryCount) public {
        VM.assume(root != bytes32(0) && entryCount != 0);

        VM.expectEmit(true, false, false, true, address(ledger));
        emit Anchors.Anchored(patient, root, entryCount);
        anchorAs(patient, root, entryCount);
    }

    function testFuzz_anEmptyAnchorIsAlwaysRefused(address patient, bytes32 root, uint256 entryCount, bool emptyRoot) public {
        if (emptyRoot) root = bytes32(0);
        else entryCount = 0;

        VM.expectRevert(root == bytes32(0) ? Anchors.EmptyRoot.selector : Anchors.NoEntries.selector);
        anchorAs(patient, root, entryCount);
    }

    function testFuzz_aDoctorAnchorsOnlyWithALiveWriteGrant(uint16 scopeSeed, uint256 elapsed, bytes32 root) public {
        VM.assume(root != bytes32(0));
        uint256 scope = (uint256(scopeSeed) & (ALL_CATEGORIES | MAY_WRITE)) | CONDITIONS;
        elapsed = bound(elapsed, 0, 2 days);
        grantAs(PATIENT, DOCTOR, START + 1 days, scope);
        VM.warp(START + elapsed);

        if (scope & MAY_WRITE != 0 && elapsed < 1 days) {
            VM.expectEmit(true, true, false, true, address(ledger));
            emit Anchors.DoctorAnchored(PATIENT, DOCTOR, root, 7);
        } else {
            VM.expectRevert(abi.encodeWithSelector(Anchors.NoWriteGrant.selector, PATIENT));
        }
        anchorForPatientAs(DOCTOR, PATIENT, root, 7);
    }
}
