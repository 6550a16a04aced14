// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {BreakGlass} from "../src/BreakGlass.sol";
import {LedgerSpec, VM} from "./LedgerSpec.sol";

/// @title Break-glass specification
/// @notice Anyone may open a patient's emergency summary, and it is always recorded: who, when, why.
contract BreakGlassTest is LedgerSpec {
    uint8 internal constant UNCONSCIOUS = 1;

    function test_aClinicianBreaksGlassAndTheEventNamesThemAndTheTime() public {
        VM.warp(START + 5 hours);

        VM.expectEmit(true, true, false, true, address(ledger));
        emit BreakGlass.GlassBroken(PATIENT, CLINICIAN, UNCONSCIOUS, uint64(START + 5 hours));
        VM.prank(CLINICIAN);
        ledger.breakGlass(PATIENT, UNCONSCIOUS);
    }

    function test_breakingGlassNeedsNoGrant() public {
        VM.assertFalse(isLive(PATIENT, CLINICIAN, 0), "the clinician holds no grant");

        VM.prank(CLINICIAN);
        ledger.breakGlass(PATIENT, UNCONSCIOUS);
    }

    function test_breakingGlassOpensNoGrant() public {
        VM.prank(CLINICIAN);
        ledger.breakGlass(PATIENT, UNCONSCIOUS);

        VM.assertFalse(isLive(PATIENT, CLINICIAN, 0), "the record is all it leaves");
    }

    function test_everyAccessIsRecordedAgain() public {
        VM.recordLogs();
        VM.prank(CLINICIAN);
        ledger.breakGlass(PATIENT, UNCONSCIOUS);
        VM.prank(CLINICIAN);
        ledger.breakGlass(PATIENT, 2);

        VM.assertEq(VM.getRecordedLogs().length, 2, "one event per access");
    }

    function test_aReasonIsRequired() public {
        VM.expectRevert(BreakGlass.NoReason.selector);
        VM.prank(CLINICIAN);
        ledger.breakGlass(PATIENT, 0);
    }

    function test_thePatientMustBeNamed() public {
        VM.expectRevert(BreakGlass.InvalidPatient.selector);
        VM.prank(CLINICIAN);
        ledger.breakGlass(address(0), UNCONSCIOUS);
    }

    function testFuzz_breakingGlassRecordsWhoWhenAndWhy(address clinician, address patient, uint8 reasonCode, uint64 time)
        public
    {
        VM.assume(patient != address(0) && reasonCode != 0 && time != 0);
        VM.warp(time);

        VM.expectEmit(true, true, false, true, address(ledger));
        emit BreakGlass.GlassBroken(patient, clinician, reasonCode, time);
        VM.prank(clinician);
        ledger.breakGlass(patient, reasonCode);
    }

    function testFuzz_withoutAReasonNothingIsRecorded(address clinician, address patient) public {
        VM.assume(patient != address(0));

        VM.expectRevert(BreakGlass.NoReason.selector);
        VM.prank(clinician);
        ledger.breakGlass(patient, 0);
    }
}
