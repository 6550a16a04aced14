// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consent} from "../src/Consent.sol";
import {Guardians} from "../src/Guardians.sol";
import {LedgerSpec, VM} from "./LedgerSpec.sol";

/// @title Guardians specification
/// @notice Who names guardians, what a guardian may grant, for how long, and what they may not touch.
contract GuardiansTest is LedgerSpec {
    function setUp() public override {
        super.setUp();
        addGuardianAs(PATIENT, GUARDIAN);
    }

    function emergencyGrantAs(address guardian, address patient, address doctor, uint256 expiry, uint256 scope) internal {
        VM.prank(guardian);
        ledger.emergencyGrant(patient, doctor, terms(expiry, scope));
    }

    // --- Naming and removing guardians -------------------------------------

    function test_aPatientNamesAGuardian() public view {
        VM.assertTrue(ledger.isGuardian(PATIENT, GUARDIAN), "named in setUp");
        VM.assertFalse(ledger.isGuardian(PATIENT, STRANGER), "nobody else is");
    }

    function test_namingAGuardianEmitsGuardianAdded() public {
        VM.expectEmit(true, true, false, true, address(ledger));
        emit Guardians.GuardianAdded(PATIENT, SECOND_DOCTOR);
        addGuardianAs(PATIENT, SECOND_DOCTOR);
    }

    function test_aPatientMayNameSeveralGuardians() public {
        addGuardianAs(PATIENT, STRANGER);

        VM.assertTrue(ledger.isGuardian(PATIENT, GUARDIAN), "the first stays");
        VM.assertTrue(ledger.isGuardian(PATIENT, STRANGER), "the second is added");
    }

    function test_namingTheSameGuardianTwiceIsRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.GuardianAlreadyAdded.selector, GUARDIAN));
        addGuardianAs(PATIENT, GUARDIAN);
    }

    function test_aPatientCannotBeTheirOwnGuardian() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.InvalidGuardian.selector, PATIENT));
        addGuardianAs(PATIENT, PATIENT);
    }

    function test_theZeroAddressCannotBeAGuardian() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.InvalidGuardian.selector, address(0)));
        addGuardianAs(PATIENT, address(0));
    }

    function test_aGuardianCannotNameFurtherGuardiansForThePatient() public {
        // addGuardian always names a guardian of the caller's own history.
        addGuardianAs(GUARDIAN, STRANGER);

        VM.assertTrue(ledger.isGuardian(GUARDIAN, STRANGER), "the guardian's own guardian");
        VM.assertFalse(ledger.isGuardian(PATIENT, STRANGER), "not the patient's");
    }

    function test_aPatientRemovesAGuardian() public {
        VM.expectEmit(true, true, false, true, address(ledger));
        emit Guardians.GuardianRemoved(PATIENT, GUARDIAN);
        VM.prank(PATIENT);
        ledger.removeGuardian(GUARDIAN);

        VM.assertFalse(ledger.isGuardian(PATIENT, GUARDIAN), "removed");
    }

    function test_removingSomeoneWhoIsNotAGuardianIsRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.GuardianNotFound.selector, STRANGER));
        VM.prank(PATIENT);
        ledger.removeGuardian(STRANGER);
    }

    function test_onlyThePatientRemovesTheirGuardian() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.GuardianNotFound.selector, GUARDIAN));
        VM.prank(GUARDIAN);
        ledger.removeGuardian(GUARDIAN);

        VM.assertTrue(ledger.isGuardian(PATIENT, GUARDIAN), "still the patient's guardian");
    }

    function test_aRemovedGuardianMayBeNamedAgain() public {
        VM.prank(PATIENT);
        ledger.removeGuardian(GUARDIAN);
        addGuardianAs(PATIENT, GUARDIAN);

        VM.assertTrue(ledger.isGuardian(PATIENT, GUARDIAN), "named again");
    }

    // --- Emergency grants ----------------------------------------------------

    function test_aGuardianGrantsEmergencyAccessOnThePatientsBehalf() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 12 hours, ALLERGIES | MEDICATIONS);

        VM.assertTrue(isLive(PATIENT, DOCTOR, ALLERGIES | MEDICATIONS), "the doctor may read");
        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + 12 hours, "expiry");
        VM.assertEq(scope, ALLERGIES | MEDICATIONS, "scope");
    }

    function test_anEmergencyGrantEmitsAnEventNamingTheGuardian() public {
        VM.expectEmit(true, true, true, true, address(ledger));
        emit Guardians.EmergencyGranted(PATIENT, DOCTOR, GUARDIAN, terms(START + 1 hours, CONDITIONS));

        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
    }

    function test_anEmergencyGrantMayRunExactly72Hours() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + SEVENTY_TWO_HOURS, CONDITIONS);

        VM.warp(START + SEVENTY_TWO_HOURS - 1);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "live to the last second");
        VM.warp(START + SEVENTY_TWO_HOURS);
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "over at 72 hours");
    }

    function test_anEmergencyGrantOfMoreThan72HoursIsRefused() public {
        VM.expectRevert(
            abi.encodeWithSelector(Consent.ExpiryTooFar.selector, START + SEVENTY_TWO_HOURS + 1, START + SEVENTY_TWO_HOURS)
        );
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + SEVENTY_TWO_HOURS + 1, CONDITIONS);
    }

    function test_anEmergencyGrantFollowsTheSameScopeAndExpiryRules() public {
        VM.expectRevert(Consent.EmptyScope.selector);
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, 0);
        VM.expectRevert(abi.encodeWithSelector(Consent.ExpiryNotInFuture.selector, START));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START, CONDITIONS);
        VM.expectRevert(abi.encodeWithSelector(Consent.InvalidDoctor.selector, PATIENT));
        emergencyGrantAs(GUARDIAN, PATIENT, PATIENT, START + 1 hours, CONDITIONS);
    }

    function test_anEmergencyGrantReadsButNeverWrites() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantMayNotWrite.selector, DOCTOR));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS | MAY_WRITE);
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "nothing granted");

        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "the doctor may read");
    }

    function test_aStrangerCannotGrantOnThePatientsBehalf() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.NotGuardian.selector, PATIENT, STRANGER));
        emergencyGrantAs(STRANGER, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
    }

    function test_aDoctorCannotGrantThemselvesEmergencyAccess() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.NotGuardian.selector, PATIENT, DOCTOR));
        emergencyGrantAs(DOCTOR, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
    }

    function test_aGuardianCannotGrantThemselves() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.InvalidDoctor.selector, GUARDIAN));
        emergencyGrantAs(GUARDIAN, PATIENT, GUARDIAN, START + 1 hours, CONDITIONS);
    }

    function test_aGuardianOfOnePatientCannotGrantForAnother() public {
        VM.expectRevert(abi.encodeWithSelector(Guardians.NotGuardian.selector, STRANGER, GUARDIAN));
        emergencyGrantAs(GUARDIAN, STRANGER, DOCTOR, START + 1 hours, CONDITIONS);
    }

    function test_aRemovedGuardianCannotGrant() public {
        VM.prank(PATIENT);
        ledger.removeGuardian(GUARDIAN);

        VM.expectRevert(abi.encodeWithSelector(Guardians.NotGuardian.selector, PATIENT, GUARDIAN));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
    }

    function test_aGuardianCannotChangeTheLiveGrantOfThePatient() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);

        VM.expectRevert(abi.encodeWithSelector(Guardians.GrantAlreadyLive.selector, DOCTOR));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, ALLERGIES);

        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + 30 days, "the patient's expiry stands");
        VM.assertEq(scope, CONDITIONS, "the patient's scope stands");
    }

    function test_aGuardianCannotExtendTheirOwnLiveEmergencyGrant() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 72 hours, CONDITIONS);
        VM.warp(START + 71 hours);

        VM.expectRevert(abi.encodeWithSelector(Guardians.GrantAlreadyLive.selector, DOCTOR));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 143 hours, CONDITIONS);
    }

    function test_aGuardianMayGrantOnceTheEarlierGrantEndedAWeekAgo() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.warp(START + 1 days + 7 days);

        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 9 days, ALLERGIES);
        VM.assertTrue(isLive(PATIENT, DOCTOR, ALLERGIES), "the expired grant was replaced");
    }

    // --- Limits on emergency grants (the review's findings) -------------------

    function test_aGuardianCannotRenewAnEmergencyGrantTheMomentItExpires() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 72 hours, CONDITIONS);
        VM.warp(START + 72 hours);
        VM.assertFalse(isLive(PATIENT, DOCTOR, 0), "expired");

        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantCoolingDown.selector, DOCTOR, START + 72 hours + 7 days));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 144 hours, CONDITIONS);
        VM.assertFalse(isLive(PATIENT, DOCTOR, 0), "still no access");
    }

    function test_anotherGuardianCannotRenewItEither() public {
        addGuardianAs(PATIENT, STRANGER);
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
        VM.warp(START + 1 hours);

        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantCoolingDown.selector, DOCTOR, START + 1 hours + 7 days));
        emergencyGrantAs(STRANGER, PATIENT, DOCTOR, START + 2 hours, CONDITIONS);
    }

    function test_aGrantThePatientLetLapseIsNotRenewedByAGuardianForAWeek() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
        VM.warp(START + 30 days);

        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantCoolingDown.selector, DOCTOR, START + 37 days));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 30 days + 1 hours, CONDITIONS);

        VM.warp(START + 37 days - 1);
        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantCoolingDown.selector, DOCTOR, START + 37 days));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 37 days, CONDITIONS);

        VM.warp(START + 37 days);
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 37 days + 1 hours, CONDITIONS);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "allowed from the first second after the cooldown");
    }

    function test_aDoctorThePatientRevokedGetsNoEmergencyGrantFor30Days() public {
        grantAs(PATIENT, DOCTOR, START + 90 days, CONDITIONS);
        VM.warp(START + 1 days);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        VM.expectRevert(abi.encodeWithSelector(Guardians.DoctorRevokedRecently.selector, DOCTOR, START + 31 days));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 days + 1 hours, CONDITIONS);

        VM.warp(START + 31 days - 1);
        VM.expectRevert(abi.encodeWithSelector(Guardians.DoctorRevokedRecently.selector, DOCTOR, START + 31 days));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 31 days, CONDITIONS);
        VM.assertFalse(isLive(PATIENT, DOCTOR, 0), "the revoked doctor stays out");

        VM.warp(START + 31 days);
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 31 days + 1 hours, CONDITIONS);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "30 days on, a guardian may act again");
    }

    function test_revokingAnEmergencyGrantKeepsTheDoctorOutOfTheNextOne() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 72 hours, CONDITIONS);
        VM.warp(START + 1 hours);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        VM.warp(START + 8 days);
        VM.expectRevert(abi.encodeWithSelector(Guardians.DoctorRevokedRecently.selector, DOCTOR, START + 1 hours + 30 days));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 8 days + 1 hours, CONDITIONS);
    }

    function test_aRevocationLeavesNoGrantBehind() public {
        grantAs(PATIENT, DOCTOR, START + 90 days, CONDITIONS | MAY_WRITE);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, 0, "no expiry");
        VM.assertEq(scope, 0, "no scope");
        VM.assertFalse(isLive(PATIENT, DOCTOR, 0), "not live");
        VM.expectRevert(abi.encodeWithSelector(Consent.NoGrant.selector, DOCTOR));
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);
    }

    function test_thePatientsOwnGrantOverridesTheRevocationMemory() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);
        // The patient changes their mind and grants a day; it lapses; a week later a guardian may act.
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.warp(START + 8 days);

        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 8 days + 1 hours, CONDITIONS);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "the patient's own grant ended the memory of the revocation");
    }

    function test_aGuardianMakesAtMostThreeEmergencyGrantsIn30Days() public {
        address fourthDoctor = address(0xD0C4);
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
        VM.warp(START + 1 days);
        emergencyGrantAs(GUARDIAN, PATIENT, SECOND_DOCTOR, START + 2 days, CONDITIONS);
        VM.warp(START + 2 days);
        emergencyGrantAs(GUARDIAN, PATIENT, CLINICIAN, START + 3 days, CONDITIONS);

        VM.warp(START + 30 days - 1);
        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantCapReached.selector, GUARDIAN, START + 30 days));
        emergencyGrantAs(GUARDIAN, PATIENT, fourthDoctor, START + 30 days, CONDITIONS);
        VM.assertFalse(isLive(PATIENT, fourthDoctor, 0), "the fourth doctor gets nothing");

        // The window rolls: 30 days after the first grant, one more; the next waits for the second's 30 days.
        VM.warp(START + 30 days);
        emergencyGrantAs(GUARDIAN, PATIENT, fourthDoctor, START + 30 days + 1 hours, CONDITIONS);
        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantCapReached.selector, GUARDIAN, START + 31 days));
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 30 days + 1 hours, CONDITIONS);
    }

    function test_theCapCountsPerGuardianAndPatient() public {
        addGuardianAs(PATIENT, STRANGER);
        addGuardianAs(STRANGER, GUARDIAN);
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
        emergencyGrantAs(GUARDIAN, PATIENT, SECOND_DOCTOR, START + 1 hours, CONDITIONS);
        emergencyGrantAs(GUARDIAN, PATIENT, CLINICIAN, START + 1 hours, CONDITIONS);

        // The patient's other guardian, and the same guardian for another patient, still may.
        emergencyGrantAs(STRANGER, PATIENT, address(0xD0C4), START + 1 hours, CONDITIONS);
        emergencyGrantAs(GUARDIAN, STRANGER, DOCTOR, START + 1 hours, CONDITIONS);
        VM.assertTrue(isLive(STRANGER, DOCTOR, CONDITIONS), "another patient's grant");
    }

    function test_removingAndNamingAGuardianAgainDoesNotResetTheCap() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
        emergencyGrantAs(GUARDIAN, PATIENT, SECOND_DOCTOR, START + 1 hours, CONDITIONS);
        emergencyGrantAs(GUARDIAN, PATIENT, CLINICIAN, START + 1 hours, CONDITIONS);
        VM.prank(PATIENT);
        ledger.removeGuardian(GUARDIAN);
        addGuardianAs(PATIENT, GUARDIAN);

        VM.expectRevert(abi.encodeWithSelector(Guardians.EmergencyGrantCapReached.selector, GUARDIAN, START + 30 days));
        emergencyGrantAs(GUARDIAN, PATIENT, address(0xD0C4), START + 1 hours, CONDITIONS);
    }

    function test_aRefusedEmergencyGrantDoesNotCountTowardsTheCap() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
        for (uint256 i = 0; i < 5; ++i) {
            VM.expectRevert(abi.encodeWithSelector(Guardians.GrantAlreadyLive.selector, DOCTOR));
            emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
        }
        emergencyGrantAs(GUARDIAN, PATIENT, SECOND_DOCTOR, START + 1 hours, CONDITIONS);
        emergencyGrantAs(GUARDIAN, PATIENT, CLINICIAN, START + 1 hours, CONDITIONS);
        emergencyGrantAs(GUARDIAN, PATIENT, address(0xD0C4), START + 1 hours, CONDITIONS);
    }

    function test_thePatientMayRevokeAnEmergencyGrant() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);

        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);
        VM.assertFalse(isLive(PATIENT, DOCTOR, 0), "revoked");
    }

    function test_thePatientMayReplaceAnEmergencyGrantWithTheirOwn() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);

        grantAs(PATIENT, DOCTOR, START + 90 days, CONDITIONS | RESULTS);
        (uint64 expiry,) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + 90 days, "the patient's own terms");
    }

    function test_removingAGuardianLeavesTheirEmergencyGrantsToThePatient() public {
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
        VM.prank(PATIENT);
        ledger.removeGuardian(GUARDIAN);

        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "live until it expires or the patient revokes it");
    }

    // --- Properties for all inputs -----------------------------------------

    function testFuzz_onlyANamedGuardianMayGrantForThePatient(address caller) public {
        VM.assume(caller != GUARDIAN && caller != address(VM));

        VM.expectRevert(abi.encodeWithSelector(Guardians.NotGuardian.selector, PATIENT, caller));
        emergencyGrantAs(caller, PATIENT, DOCTOR, START + 1 hours, CONDITIONS);
    }

    function testFuzz_anEmergencyGrantRunsAtMost72Hours(uint256 duration, uint16 scopeSeed) public {
        duration = bound(duration, 1, 10 * SEVENTY_TWO_HOURS);
        uint256 scope = (uint256(scopeSeed) & ALL_CATEGORIES) | ALLERGIES;

        if (duration > SEVENTY_TWO_HOURS) {
            VM.expectRevert(
                abi.encodeWithSelector(Consent.ExpiryTooFar.selector, START + duration, START + SEVENTY_TWO_HOURS)
            );
        } else {
            VM.expectEmit(true, true, true, true, address(ledger));
            emit Guardians.EmergencyGranted(PATIENT, DOCTOR, GUARDIAN, terms(START + duration, scope));
        }
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + duration, scope);
    }

    function testFuzz_noDoctorEverHoldsEmergencyAccessBackToBack(uint256 firstDuration, uint256 gap) public {
        firstDuration = bound(firstDuration, 1, SEVENTY_TWO_HOURS);
        gap = bound(gap, 0, 10 days);
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + firstDuration, CONDITIONS);
        VM.warp(START + firstDuration + gap);

        if (gap < 7 days) {
            VM.expectRevert(
                abi.encodeWithSelector(Guardians.EmergencyGrantCoolingDown.selector, DOCTOR, START + firstDuration + 7 days)
            );
        }
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + firstDuration + gap + 1 hours, CONDITIONS);
    }

    function testFuzz_anyoneMayBeNamedAndRemoved(address patient, address guardian) public {
        assumePerson(patient);
        VM.assume(guardian != patient && guardian != address(0));

        VM.expectEmit(true, true, false, true, address(ledger));
        emit Guardians.GuardianAdded(patient, guardian);
        addGuardianAs(patient, guardian);
        VM.assertTrue(ledger.isGuardian(patient, guardian), "named");

        VM.expectEmit(true, true, false, true, address(ledger));
        emit Guardians.GuardianRemoved(patient, guardian);
        VM.prank(patient);
        ledger.removeGuardian(guardian);
        VM.assertFalse(ledger.isGuardian(patient, guardian), "removed");
    }

    function testFuzz_removingAnyoneNotNamedIsRefused(address patient, address guardian) public {
        VM.assume(patient != PATIENT);

        VM.expectRevert(abi.encodeWithSelector(Guardians.GuardianNotFound.selector, guardian));
        VM.prank(patient);
        ledger.removeGuardian(guardian);
    }

    function testFuzz_aGuardianNeverChangesALiveGrant(uint256 patientDuration, uint256 elapsed) public {
        patientDuration = bound(patientDuration, 1, ONE_YEAR);
        elapsed = bound(elapsed, 0, ONE_YEAR + 1);
        grantAs(PATIENT, DOCTOR, START + patientDuration, CONDITIONS);
        VM.warp(START + elapsed);

        if (elapsed < patientDuration) {
            VM.expectRevert(abi.encodeWithSelector(Guardians.GrantAlreadyLive.selector, DOCTOR));
        } else if (elapsed < patientDuration + 7 days) {
            VM.expectRevert(
                abi.encodeWithSelector(Guardians.EmergencyGrantCoolingDown.selector, DOCTOR, START + patientDuration + 7 days)
            );
        }
        emergencyGrantAs(GUARDIAN, PATIENT, DOCTOR, START + elapsed + 1 hours, ALLERGIES);
    }
}
