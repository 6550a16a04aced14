// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {VisitLog} from "../src/VisitLog.sol";
import {LedgerSpec, VM} from "./LedgerSpec.sol";

/// @title Visit log specification
/// @notice A doctor's app records each visit under a live grant; nobody else can add visits
/// to a patient's trail.
contract VisitLogTest is LedgerSpec {
    function logVisitAs(address doctor, address patient) internal {
        VM.prank(doctor);
        ledger.logVisit(patient);
    }

    function test_aDoctorWithALiveGrantLogsAVisit() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);

        VM.expectEmit(true, true, false, true, address(ledger));
        emit VisitLog.VisitLogged(PATIENT, DOCTOR);
        logVisitAs(DOCTOR, PATIENT);
    }

    function test_anyCategoryOfGrantAllowsLoggingAVisit() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, FAMILY_HISTORY);

        logVisitAs(DOCTOR, PATIENT);
    }

    function test_eachVisitIsLoggedSeparately() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.recordLogs();

        logVisitAs(DOCTOR, PATIENT);
        logVisitAs(DOCTOR, PATIENT);

        VM.assertEq(VM.getRecordedLogs().length, 2, "two visits, two entries");
    }

    function test_aDoctorWithoutAGrantCannotLogAVisit() public {
        VM.expectRevert(abi.encodeWithSelector(VisitLog.NoLiveGrant.selector, PATIENT));
        logVisitAs(STRANGER, PATIENT);
    }

    function test_aDoctorWhoseGrantExpiredCannotLogAVisit() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.warp(START + 1 days);

        VM.expectRevert(abi.encodeWithSelector(VisitLog.NoLiveGrant.selector, PATIENT));
        logVisitAs(DOCTOR, PATIENT);
    }

    function test_aRevokedDoctorCannotLogAVisit() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        VM.expectRevert(abi.encodeWithSelector(VisitLog.NoLiveGrant.selector, PATIENT));
        logVisitAs(DOCTOR, PATIENT);
    }

    function test_aGrantFromAnotherPatientDoesNotCount() public {
        grantAs(STRANGER, DOCTOR, START + 1 days, CONDITIONS);

        VM.expectRevert(abi.encodeWithSelector(VisitLog.NoLiveGrant.selector, PATIENT));
        logVisitAs(DOCTOR, PATIENT);
    }

    function test_loggingAVisitChangesNoGrant() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        logVisitAs(DOCTOR, PATIENT);

        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + 1 days, "expiry unchanged");
        VM.assertEq(scope, CONDITIONS, "scope unchanged");
    }

    function testFuzz_aVisitIsLoggedExactlyWhileTheGrantIsLive(address doctor, uint256 duration, uint256 elapsed) public {
        VM.assume(doctor != PATIENT && doctor != address(0) && doctor != address(VM));
        duration = bound(duration, 1, ONE_YEAR);
        elapsed = bound(elapsed, 0, 2 * ONE_YEAR);
        grantAs(PATIENT, doctor, START + duration, CONDITIONS);
        VM.warp(START + elapsed);

        if (elapsed < duration) {
            VM.expectEmit(true, true, false, true, address(ledger));
            emit VisitLog.VisitLogged(PATIENT, doctor);
        } else {
            VM.expectRevert(abi.encodeWithSelector(VisitLog.NoLiveGrant.selector, PATIENT));
        }
        logVisitAs(doctor, PATIENT);
    }

    function testFuzz_nobodyWithoutAGrantLogsAVisit(address caller, address patient) public {
        VM.assume(caller != address(VM));

        VM.expectRevert(abi.encodeWithSelector(VisitLog.NoLiveGrant.selector, patient));
        logVisitAs(caller, patient);
    }
}
