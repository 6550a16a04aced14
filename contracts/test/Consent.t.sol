// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Consent} from "../src/Consent.sol";
import {LedgerSpec, VM} from "./LedgerSpec.sol";

/// @title Consent specification
/// @notice Who may grant and revoke, when a grant is live, and what re-granting does.
contract ConsentTest is LedgerSpec {
    // --- Granting ----------------------------------------------------------

    function test_aPatientGrantsADoctorAccessToChosenCategories() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS | MEDICATIONS);

        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "conditions must be open");
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS | MEDICATIONS), "both categories together");
        VM.assertFalse(isLive(PATIENT, DOCTOR, ALLERGIES), "a category not granted stays closed");
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS | MAY_WRITE), "reading does not include writing");
    }

    function test_grantingEmitsGrantedWithTheTermsAsStored() public {
        VM.expectEmit(true, true, false, true, address(ledger));
        emit Consent.Granted(PATIENT, DOCTOR, terms(START + 30 days, CONDITIONS));

        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
    }

    function test_grantOfReadsBackTheExpiryAndScope() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, RESULTS | REPORTS | MAY_WRITE);

        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + 30 days, "expiry");
        VM.assertEq(scope, RESULTS | REPORTS | MAY_WRITE, "scope");
    }

    function test_aGrantIsOneStorageWord() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS | NOTES | MAY_WRITE);

        // _grants is the ledger's first state variable: slot keccak(doctor . keccak(patient . 0)).
        bytes32 slot = keccak256(abi.encode(DOCTOR, keccak256(abi.encode(PATIENT, uint256(0)))));
        uint256 word = (START + 30 days) | ((CONDITIONS | NOTES | MAY_WRITE) << 64);
        VM.assertEq(uint256(VM.load(address(ledger), slot)), word, "the whole grant is this one word");
        VM.assertEq(uint256(VM.load(address(ledger), bytes32(uint256(slot) + 1))), 0, "and nothing beside it");
    }

    function test_aRevocationKeepsItsTimeInTheSameWord() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
        VM.warp(START + 1 days);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        bytes32 slot = keccak256(abi.encode(DOCTOR, keccak256(abi.encode(PATIENT, uint256(0)))));
        VM.assertEq(uint256(VM.load(address(ledger), slot)), (START + 1 days) << 192, "only the revocation's time");
        VM.assertEq(uint256(VM.load(address(ledger), bytes32(uint256(slot) + 1))), 0, "and nothing beside it");
    }

    function test_aGrantToEveryCategoryWithWriteAccessIsAllowed() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, ALL_CATEGORIES | MAY_WRITE);

        VM.assertTrue(isLive(PATIENT, DOCTOR, ALL_CATEGORIES | MAY_WRITE), "every bit granted");
    }

    // --- Expiry ------------------------------------------------------------

    function test_aGrantIsLiveUntilTheSecondBeforeItsExpiry() public {
        uint256 expiry = START + 7 days;
        grantAs(PATIENT, DOCTOR, expiry, CONDITIONS);

        VM.warp(expiry - 1);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "live one second before expiry");
        VM.warp(expiry);
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "not live at the expiry second");
        VM.warp(expiry + 365 days);
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "never live again by itself");
    }

    function test_theShortestGrantEndsOneSecondFromNow() public {
        grantAs(PATIENT, DOCTOR, START + 1, CONDITIONS);

        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "live in the granting block");
        VM.warp(START + 1);
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "over a second later");
    }

    function test_anExpiryNowIsRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.ExpiryNotInFuture.selector, START));
        grantAs(PATIENT, DOCTOR, START, CONDITIONS);
    }

    function test_anExpiryInThePastIsRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.ExpiryNotInFuture.selector, START - 1 days));
        grantAs(PATIENT, DOCTOR, START - 1 days, CONDITIONS);
    }

    function test_aGrantMayRunExactlyOneYear() public {
        grantAs(PATIENT, DOCTOR, START + ONE_YEAR, CONDITIONS);

        VM.warp(START + ONE_YEAR - 1);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "live to the last second of the year");
    }

    function test_aGrantOfOneYearAndOneSecondIsRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.ExpiryTooFar.selector, START + ONE_YEAR + 1, START + ONE_YEAR));
        grantAs(PATIENT, DOCTOR, START + ONE_YEAR + 1, CONDITIONS);
    }

    function test_theYearIsCountedFromTheGrantingBlock() public {
        VM.warp(START + 100 days);
        grantAs(PATIENT, DOCTOR, START + 100 days + ONE_YEAR, CONDITIONS);

        (uint64 expiry,) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + 100 days + ONE_YEAR, "a year from the later block");
    }

    // --- Scope -------------------------------------------------------------

    function test_aScopeOfNothingIsRefused() public {
        VM.expectRevert(Consent.EmptyScope.selector);
        grantAs(PATIENT, DOCTOR, START + 1 days, 0);
    }

    function test_writeAccessAloneOpensNothingAndIsRefused() public {
        VM.expectRevert(Consent.EmptyScope.selector);
        grantAs(PATIENT, DOCTOR, START + 1 days, MAY_WRITE);
    }

    function test_aBitThatIsNoCategoryIsRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.UnknownScope.selector, CONDITIONS | (1 << 9)));
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS | (1 << 9));
    }

    function test_bitsAboveTheScopeAreRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.UnknownScope.selector, CONDITIONS | (1 << 16)));
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS | (1 << 16));
    }

    function test_askingWithScopeZeroSaysWhetherAnyGrantIsLive() public {
        VM.assertFalse(isLive(PATIENT, DOCTOR, 0), "no grant, nothing live");
        grantAs(PATIENT, DOCTOR, START + 1 days, IMMUNIZATIONS);
        VM.assertTrue(isLive(PATIENT, DOCTOR, 0), "any live grant answers scope zero");
    }

    // --- Who may grant -----------------------------------------------------

    function test_aGrantIsAlwaysFromTheCallerAndNoOneElse() public {
        // The stranger can only ever grant access to their own history.
        grantAs(STRANGER, DOCTOR, START + 1 days, CONDITIONS);

        VM.assertTrue(isLive(STRANGER, DOCTOR, CONDITIONS), "the stranger's own grant");
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "nothing opened on the patient's history");
    }

    function test_aPatientCannotGrantThemself() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.InvalidDoctor.selector, PATIENT));
        grantAs(PATIENT, PATIENT, START + 1 days, CONDITIONS);
    }

    function test_aPatientCannotGrantTheZeroAddress() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.InvalidDoctor.selector, address(0)));
        grantAs(PATIENT, address(0), START + 1 days, CONDITIONS);
    }

    function test_grantsToTwoDoctorsAreIndependent() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        grantAs(PATIENT, SECOND_DOCTOR, START + 2 days, ALLERGIES);

        VM.assertFalse(isLive(PATIENT, DOCTOR, ALLERGIES), "the first doctor keeps their own scope");
        VM.assertTrue(isLive(PATIENT, SECOND_DOCTOR, ALLERGIES), "the second doctor has theirs");
    }

    // --- Re-granting -------------------------------------------------------

    function test_reGrantingReplacesTheTermsInPlace() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS | MEDICATIONS);
        VM.expectEmit(true, true, false, true, address(ledger));
        emit Consent.Granted(PATIENT, DOCTOR, terms(START + 10 days, ALLERGIES));

        grantAs(PATIENT, DOCTOR, START + 10 days, ALLERGIES);

        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + 10 days, "the new expiry replaces the old");
        VM.assertEq(scope, ALLERGIES, "the new scope replaces the old");
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "a category left out is closed");
    }

    function test_reGrantingMayAddWriteAccess() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS | MAY_WRITE);

        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS | MAY_WRITE), "write access added");
    }

    function test_reGrantingTheSameTermsIsRefused() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);

        VM.expectRevert(Consent.GrantUnchanged.selector);
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
    }

    function test_reGrantingRenewsAnExpiredGrant() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.warp(START + 2 days);
        VM.assertFalse(isLive(PATIENT, DOCTOR, CONDITIONS), "expired");

        grantAs(PATIENT, DOCTOR, START + 9 days, CONDITIONS);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "renewed");
    }

    // --- Revoking ----------------------------------------------------------

    function test_revokingEndsTheGrantAtOnce() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);

        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        VM.assertFalse(isLive(PATIENT, DOCTOR, 0), "no longer live");
        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, 0, "expiry cleared");
        VM.assertEq(scope, 0, "scope cleared");
    }

    function test_revokingEmitsRevoked() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);

        VM.expectEmit(true, true, false, true, address(ledger));
        emit Consent.Revoked(PATIENT, DOCTOR);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);
    }

    function test_revokingAnExpiredGrantClearsIt() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.warp(START + 2 days);

        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        (uint64 expiry,) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, 0, "the expired grant is gone from storage");
    }

    function test_revokingWithoutAGrantIsRefused() public {
        VM.expectRevert(abi.encodeWithSelector(Consent.NoGrant.selector, DOCTOR));
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);
    }

    function test_revokingTwiceIsRefused() public {
        grantAs(PATIENT, DOCTOR, START + 1 days, CONDITIONS);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        VM.expectRevert(abi.encodeWithSelector(Consent.NoGrant.selector, DOCTOR));
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);
    }

    function test_onlyThePatientCanRevokeTheirGrant() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);

        // Anyone else calling revoke(DOCTOR) addresses their own (empty) grants.
        VM.expectRevert(abi.encodeWithSelector(Consent.NoGrant.selector, DOCTOR));
        VM.prank(STRANGER);
        ledger.revoke(DOCTOR);
        VM.expectRevert(abi.encodeWithSelector(Consent.NoGrant.selector, DOCTOR));
        VM.prank(DOCTOR);
        ledger.revoke(DOCTOR);

        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "the patient's grant stands");
    }

    function test_aRevokedDoctorMayBeGrantedAgain() public {
        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
        VM.prank(PATIENT);
        ledger.revoke(DOCTOR);

        grantAs(PATIENT, DOCTOR, START + 30 days, CONDITIONS);
        VM.assertTrue(isLive(PATIENT, DOCTOR, CONDITIONS), "granted again");
    }

    // --- Properties for all inputs -----------------------------------------

    function testFuzz_aGrantIsLiveExactlyUntilItsExpiry(
        address patient,
        address doctor,
        uint256 duration,
        uint16 scopeSeed,
        uint256 elapsed
    ) public {
        assumePerson(patient);
        VM.assume(doctor != patient && doctor != address(0));
        duration = bound(duration, 1, ONE_YEAR);
        uint256 scope = (uint256(scopeSeed) & (ALL_CATEGORIES | MAY_WRITE)) | CONDITIONS;
        elapsed = bound(elapsed, 0, 2 * ONE_YEAR);

        VM.expectEmit(true, true, false, true, address(ledger));
        emit Consent.Granted(patient, doctor, terms(START + duration, scope));
        grantAs(patient, doctor, START + duration, scope);

        VM.warp(START + elapsed);
        VM.assertEq(isLive(patient, doctor, scope) ? 1 : 0, elapsed < duration ? 1 : 0, "live iff before expiry");
    }

    function testFuzz_anyExpiryOutsideTheNextYearIsRefused(uint256 expiry) public {
        expiry = bound(expiry, 0, type(uint64).max);
        VM.assume(expiry <= START || expiry > START + ONE_YEAR);

        if (expiry <= START) {
            VM.expectRevert(abi.encodeWithSelector(Consent.ExpiryNotInFuture.selector, expiry));
        } else {
            VM.expectRevert(abi.encodeWithSelector(Consent.ExpiryTooFar.selector, expiry, START + ONE_YEAR));
        }
        grantAs(PATIENT, DOCTOR, expiry, CONDITIONS);
    }

    function testFuzz_anyScopeWithoutACategoryOrWithAStrayBitIsRefused(uint256 scope) public {
        scope = bound(scope, 0, type(uint192).max);
        bool hasCategory = scope & ALL_CATEGORIES != 0;
        bool hasStrayBit = scope & ~(ALL_CATEGORIES | MAY_WRITE) != 0;
        VM.assume(!hasCategory || hasStrayBit);

        if (!hasCategory) VM.expectRevert(Consent.EmptyScope.selector);
        else VM.expectRevert(abi.encodeWithSelector(Consent.UnknownScope.selector, scope));
        grantAs(PATIENT, DOCTOR, START + 1 days, scope);
    }

    function testFuzz_aLiveGrantCoversExactlyTheBitsGranted(uint16 grantedSeed, uint16 asked) public {
        uint256 granted = (uint256(grantedSeed) & (ALL_CATEGORIES | MAY_WRITE)) | NOTES;
        grantAs(PATIENT, DOCTOR, START + 1 days, granted);

        VM.assertEq(isLive(PATIENT, DOCTOR, asked) ? 1 : 0, (granted & asked) == asked ? 1 : 0, "covered iff a subset");
    }

    function testFuzz_reGrantingAlwaysLeavesTheLatestTerms(uint256 firstDuration, uint256 secondDuration, uint16 first, uint16 second)
        public
    {
        firstDuration = bound(firstDuration, 1, ONE_YEAR);
        secondDuration = bound(secondDuration, 1, ONE_YEAR);
        uint256 firstScope = (uint256(first) & ALL_CATEGORIES) | ALLERGIES;
        uint256 secondScope = (uint256(second) & (ALL_CATEGORIES | MAY_WRITE)) | CONDITIONS;
        VM.assume(firstDuration != secondDuration || firstScope != secondScope);
        grantAs(PATIENT, DOCTOR, START + firstDuration, firstScope);

        grantAs(PATIENT, DOCTOR, START + secondDuration, secondScope);

        (uint64 expiry, uint16 scope) = ledger.grantOf(PATIENT, DOCTOR);
        VM.assertEq(expiry, START + secondDuration, "latest expiry");
        VM.assertEq(scope, secondScope, "latest scope");
    }

    function testFuzz_noOneButThePatientCreatesTheirGrant(address caller, address doctor) public {
        assumePerson(caller);
        VM.assume(caller != PATIENT && doctor != caller && doctor != address(0));

        grantAs(caller, doctor, START + 1 days, CONDITIONS);

        VM.assertFalse(isLive(PATIENT, doctor, 0), "a grant by anyone else never opens the patient's history");
    }

    function testFuzz_revokingEndsAnyGrant(address patient, address doctor, uint256 duration, uint256 elapsed) public {
        assumePerson(patient);
        VM.assume(doctor != patient && doctor != address(0));
        duration = bound(duration, 1, ONE_YEAR);
        grantAs(patient, doctor, START + duration, CONDITIONS);
        VM.warp(START + bound(elapsed, 0, 2 * ONE_YEAR));

        VM.expectEmit(true, true, false, true, address(ledger));
        emit Consent.Revoked(patient, doctor);
        VM.prank(patient);
        ledger.revoke(doctor);

        VM.assertFalse(isLive(patient, doctor, 0), "revoked is never live");
        (uint64 expiry, uint16 scope) = ledger.grantOf(patient, doctor);
        VM.assertEq(uint256(expiry) + scope, 0, "nothing left");
    }

    function testFuzz_revokingNothingIsAlwaysRefused(address caller, address doctor) public {
        VM.expectRevert(abi.encodeWithSelector(Consent.NoGrant.selector, doctor));
        VM.prank(caller);
        ledger.revoke(doctor);
    }

    function testFuzz_grantOfReadsBackWhatWasGranted(address doctor, uint256 duration, uint16 scopeSeed) public {
        VM.assume(doctor != PATIENT && doctor != address(0));
        duration = bound(duration, 1, ONE_YEAR);
        uint256 scope = (uint256(scopeSeed) & (ALL_CATEGORIES | MAY_WRITE)) | REPORTS;
        grantAs(PATIENT, doctor, START + duration, scope);

        (uint64 expiry, uint16 readScope) = ledger.grantOf(PATIENT, doctor);
        VM.assertEq(expiry, START + duration, "expiry");
        VM.assertEq(readScope, scope, "scope");
    }
}
