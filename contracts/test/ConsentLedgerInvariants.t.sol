// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Anchors} from "../src/Anchors.sol";
import {BreakGlass} from "../src/BreakGlass.sol";
import {Consent} from "../src/Consent.sol";
import {ConsentLedger} from "../src/ConsentLedger.sol";
import {Guardians} from "../src/Guardians.sol";
import {Terms} from "../src/Terms.sol";
import {VisitLog} from "../src/VisitLog.sol";
import {VM, Vm} from "./LedgerSpec.sol";

/// @dev Drives the ledger with random calls from a few people, valid and invalid on purpose,
/// and after every call compares the whole ledger (every grant and guardian among them) and
/// the events the call emitted with what the rules allow.
contract LedgerHandler {
    ConsentLedger internal immutable LEDGER;
    uint256 internal constant N = 5;
    uint256 internal constant ALL_BITS = 0x81FF;
    uint256 internal constant ONE_YEAR = 365 days;

    address[N] internal people = [address(0xA11CE), address(0xD0C), address(0xD0C2), address(0x6A4D), address(0x5742)];

    /// @dev The expected state, kept by the rules alone.
    mapping(address patient => mapping(address doctor => uint256 terms)) public modelTerms;
    mapping(address patient => mapping(address guardian => bool named)) public modelGuardian;
    mapping(address patient => mapping(address doctor => bool revoked)) public revokedSinceGranted;
    /// @dev When the patient last revoked the doctor, until a grant to them replaces it.
    mapping(address patient => mapping(address doctor => uint256 time)) public modelRevokedAt;
    /// @dev The times of each guardian's emergency grants for each patient, oldest first.
    mapping(address patient => mapping(address guardian => uint256[] times)) internal modelEmergencyTimes;
    uint256 public emergencyGrantsOverCap;

    uint256 public unexpectedOutcomes;
    uint256 public grantsByOthers;
    uint256 public eventsWithoutChange;
    uint256 public changesWithoutEvent;
    uint256 public liveAtOrAfterExpiry;
    uint256 public liveAfterRevocation;
    uint256 public successfulCalls;

    struct Snapshot {
        uint256[N][N] terms;
        bool[N][N] guardian;
    }

    constructor(ConsentLedger ledger) {
        LEDGER = ledger;
    }

    // --- Actions the fuzzer calls --------------------------------------------

    function grant(uint256 patientSeed, uint256 doctorSeed, uint256 durationSeed, uint256 scopeSeed) external {
        address patient = person(patientSeed);
        address doctor = doctorSeed % 11 == 0 ? address(0) : person(doctorSeed);
        uint256 duration = durationSeed % (ONE_YEAR + 2);
        uint256 scope = scopeSeed % 7 == 0 ? scopeSeed % (1 << 17) : (scopeSeed & ALL_BITS);
        uint256 terms = (block.timestamp + duration) | (scope << 64);
        bool valid = doctor != address(0) && doctor != patient && duration != 0 && duration <= ONE_YEAR && scope & 0x1FF != 0
            && scope & ~ALL_BITS == 0 && modelTerms[patient][doctor] != terms;

        bool ok = act(patient, abi.encodeCall(LEDGER.grant, (doctor, Terms.wrap(terms))), valid);
        if (ok) {
            modelTerms[patient][doctor] = terms;
            revokedSinceGranted[patient][doctor] = false;
            modelRevokedAt[patient][doctor] = 0;
        }
        checkLiveness();
    }

    /// @dev Sends a pair's current terms again, which must change nothing and emit nothing.
    function grantTheSameAgain(uint256 patientSeed, uint256 doctorSeed) external {
        address patient = person(patientSeed);
        address doctor = person(doctorSeed);
        uint256 terms = modelTerms[patient][doctor];
        act(patient, abi.encodeCall(LEDGER.grant, (doctor, Terms.wrap(terms))), false);
        checkLiveness();
    }

    function revoke(uint256 patientSeed, uint256 doctorSeed) external {
        address patient = person(patientSeed);
        address doctor = person(doctorSeed);
        bool ok = act(patient, abi.encodeCall(LEDGER.revoke, (doctor)), modelTerms[patient][doctor] != 0);
        if (ok) {
            modelTerms[patient][doctor] = 0;
            revokedSinceGranted[patient][doctor] = true;
            modelRevokedAt[patient][doctor] = block.timestamp;
        }
        checkLiveness();
    }

    function addGuardian(uint256 patientSeed, uint256 guardianSeed) external {
        address patient = person(patientSeed);
        address guardian = person(guardianSeed);
        bool valid = guardian != patient && !modelGuardian[patient][guardian];
        if (act(patient, abi.encodeCall(LEDGER.addGuardian, (guardian)), valid)) modelGuardian[patient][guardian] = true;
        checkLiveness();
    }

    function removeGuardian(uint256 patientSeed, uint256 guardianSeed) external {
        address patient = person(patientSeed);
        address guardian = person(guardianSeed);
        bool valid = modelGuardian[patient][guardian];
        if (act(patient, abi.encodeCall(LEDGER.removeGuardian, (guardian)), valid)) modelGuardian[patient][guardian] = false;
        checkLiveness();
    }

    function emergencyGrant(uint256 callerSeed, uint256 patientSeed, uint256 doctorSeed, uint256 durationSeed, uint256 scopeSeed)
        external
    {
        address caller = person(callerSeed);
        address patient = person(patientSeed);
        address doctor = person(doctorSeed);
        uint256 duration = durationSeed % (80 hours);
        uint256 scope = (scopeSeed & ALL_BITS) | 1;
        uint256 terms = (block.timestamp + duration) | (scope << 64);
        uint256 ended = modelTerms[patient][doctor] & type(uint64).max;
        uint256 revokedAt = modelRevokedAt[patient][doctor];
        bool valid = modelGuardian[patient][caller] && doctor != caller && doctor != patient && duration != 0
            && duration <= 72 hours && scope & 0x8000 == 0 && ended <= block.timestamp && (ended == 0 || ended + 7 days <= block.timestamp)
            && (revokedAt == 0 || revokedAt + 30 days <= block.timestamp)
            && recentEmergencyGrants(patient, caller) < 3;

        bool ok = act(caller, abi.encodeCall(LEDGER.emergencyGrant, (patient, doctor, Terms.wrap(terms))), valid);
        if (ok) {
            modelTerms[patient][doctor] = terms;
            revokedSinceGranted[patient][doctor] = false;
            modelRevokedAt[patient][doctor] = 0;
            modelEmergencyTimes[patient][caller].push(block.timestamp);
            if (recentEmergencyGrants(patient, caller) > 3) ++emergencyGrantsOverCap;
        }
        checkLiveness();
    }

    function logVisit(uint256 doctorSeed, uint256 patientSeed) external {
        address doctor = person(doctorSeed);
        address patient = person(patientSeed);
        act(doctor, abi.encodeCall(LEDGER.logVisit, (patient)), modelLive(patient, doctor, 0));
        checkLiveness();
    }

    function anchor(uint256 patientSeed, bytes32 root, uint256 entryCount) external {
        address patient = person(patientSeed);
        act(patient, abi.encodeCall(LEDGER.anchor, (root, entryCount)), root != bytes32(0) && entryCount != 0);
        checkLiveness();
    }

    function anchorForPatient(uint256 doctorSeed, uint256 patientSeed, bytes32 root, uint256 entryCount) external {
        address doctor = person(doctorSeed);
        address patient = person(patientSeed);
        bool valid = root != bytes32(0) && entryCount != 0 && modelLive(patient, doctor, 0x8000);
        act(doctor, abi.encodeCall(LEDGER.anchorForPatient, (patient, root, entryCount)), valid);
        checkLiveness();
    }

    function breakGlass(uint256 clinicianSeed, uint256 patientSeed, uint8 reasonCode) external {
        act(person(clinicianSeed), abi.encodeCall(LEDGER.breakGlass, (person(patientSeed), reasonCode)), reasonCode != 0);
        checkLiveness();
    }

    function warp(uint256 secondsSeed) external {
        VM.warp(block.timestamp + (secondsSeed % 100 days));
        checkLiveness();
    }

    /// @dev Time jumps to the exact expiry second of a grant that is still running (or to the
    /// second before it), where off-by-one mistakes live.
    function warpToExpiry(uint256 pairSeed, bool secondBefore) external {
        for (uint256 i = 0; i < N * N; ++i) {
            uint256 pair = (pairSeed + i) % (N * N);
            uint256 expiry = modelTerms[people[pair / N]][people[pair % N]] & type(uint64).max;
            if (secondBefore) --expiry;
            if (expiry > block.timestamp) {
                VM.warp(expiry);
                break;
            }
        }
        checkLiveness();
    }

    // --- Checks after every call ---------------------------------------------

    /// @dev Calls the ledger as `caller`, then checks the outcome against `valid`, every grant
    /// and guardian against the rules, and every event against the state it reports. The
    /// action then updates the model and calls {checkLiveness}.
    function act(address caller, bytes memory call, bool valid) internal returns (bool ok) {
        Snapshot memory before = snapshot();
        VM.recordLogs();
        VM.prank(caller);
        (ok,) = address(LEDGER).call(call);
        Vm.Log[] memory logs = VM.getRecordedLogs();
        Snapshot memory afterwards = snapshot();

        if (ok != valid) ++unexpectedOutcomes;
        if (ok) ++successfulCalls;
        if (!ok && logs.length != 0) ++eventsWithoutChange;
        checkChanges(caller, before, afterwards, logs);
    }

    function checkChanges(address caller, Snapshot memory before, Snapshot memory afterwards, Vm.Log[] memory logs) internal {
        uint256 changes;
        for (uint256 p = 0; p < N; ++p) {
            for (uint256 d = 0; d < N; ++d) {
                if (before.guardian[p][d] != afterwards.guardian[p][d]) ++changes;
                if (before.terms[p][d] == afterwards.terms[p][d]) continue;
                ++changes;
                // A grant appeared or changed: only the patient or their guardian may have done it.
                if (afterwards.terms[p][d] != 0 && caller != people[p] && !before.guardian[p][indexOf(caller)]) {
                    ++grantsByOthers;
                }
            }
        }
        uint256 stateEvents;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(LEDGER)) continue;
            bytes32 topic0 = logs[i].topics[0];
            if (
                topic0 == Consent.Granted.selector || topic0 == Consent.Revoked.selector
                    || topic0 == Guardians.EmergencyGranted.selector || topic0 == Guardians.GuardianAdded.selector
                    || topic0 == Guardians.GuardianRemoved.selector
            ) {
                ++stateEvents;
                if (!eventMatchesAChange(logs[i], before, afterwards)) ++eventsWithoutChange;
            } else if (
                topic0 != VisitLog.VisitLogged.selector && topic0 != Anchors.DoctorAnchored.selector
                    && topic0 != BreakGlass.GlassBroken.selector && logs[i].topics.length != 1
            ) {
                ++eventsWithoutChange; // an event of no known kind
            }
        }
        if (stateEvents != changes) ++changesWithoutEvent;
    }

    function eventMatchesAChange(Vm.Log memory log, Snapshot memory before, Snapshot memory afterwards)
        internal
        view
        returns (bool)
    {
        uint256 p = indexOf(address(uint160(uint256(log.topics[1]))));
        uint256 other = indexOf(address(uint160(uint256(log.topics[2]))));
        if (p == N || other == N) return false;
        bytes32 topic0 = log.topics[0];
        if (topic0 == Guardians.GuardianAdded.selector) return !before.guardian[p][other] && afterwards.guardian[p][other];
        if (topic0 == Guardians.GuardianRemoved.selector) return before.guardian[p][other] && !afterwards.guardian[p][other];
        if (topic0 == Consent.Revoked.selector) return before.terms[p][other] != 0 && afterwards.terms[p][other] == 0;
        uint256 reported = abi.decode(log.data, (uint256));
        return before.terms[p][other] != reported && afterwards.terms[p][other] == reported;
    }

    /// @dev Every pair: expired or revoked grants are not live, and the ledger matches the model.
    function checkLiveness() public {
        for (uint256 p = 0; p < N; ++p) {
            for (uint256 d = 0; d < N; ++d) {
                address patient = people[p];
                address doctor = people[d];
                bool live = LEDGER.isLive(patient, doctor, 0);
                (uint64 expiry,) = LEDGER.grantOf(patient, doctor);
                if (live && expiry <= block.timestamp) ++liveAtOrAfterExpiry;
                if (live && revokedSinceGranted[patient][doctor]) ++liveAfterRevocation;
                if (storedTerms(patient, doctor) != modelTerms[patient][doctor]) ++unexpectedOutcomes;
                if (LEDGER.isGuardian(patient, doctor) != modelGuardian[patient][doctor]) ++unexpectedOutcomes;
            }
        }
    }

    // --- Helpers -------------------------------------------------------------

    /// @dev How many emergency grants `guardian` made for `patient` in the last 30 days.
    function recentEmergencyGrants(address patient, address guardian) internal view returns (uint256 count) {
        uint256[] storage times = modelEmergencyTimes[patient][guardian];
        for (uint256 i = 0; i < times.length; ++i) {
            if (times[i] + 30 days > block.timestamp) ++count;
        }
    }

    function snapshot() internal view returns (Snapshot memory s) {
        for (uint256 p = 0; p < N; ++p) {
            for (uint256 d = 0; d < N; ++d) {
                s.terms[p][d] = storedTerms(people[p], people[d]);
                s.guardian[p][d] = LEDGER.isGuardian(people[p], people[d]);
            }
        }
    }

    function storedTerms(address patient, address doctor) internal view returns (uint256) {
        (uint64 expiry, uint16 scope) = LEDGER.grantOf(patient, doctor);
        return uint256(expiry) | (uint256(scope) << 64);
    }

    function modelLive(address patient, address doctor, uint256 scope) internal view returns (bool) {
        uint256 terms = modelTerms[patient][doctor];
        return (terms & type(uint64).max) > block.timestamp && ((terms >> 64) & scope) == scope;
    }

    function person(uint256 seed) internal view returns (address) {
        return people[seed % N];
    }

    function indexOf(address account) internal view returns (uint256) {
        for (uint256 i = 0; i < N; ++i) {
            if (people[i] == account) return i;
        }
        return N;
    }

    function personAt(uint256 index) external view returns (address) {
        return people[index];
    }

    function personCount() external pure returns (uint256) {
        return N;
    }
}

/// @title ConsentLedger invariants
/// @notice Whatever sequence of grants, revocations, guardian changes, emergency grants,
/// visits, anchors, break-glass accesses and passing time happens, the rules hold.
contract ConsentLedgerInvariantTest {
    ConsentLedger internal ledger;
    LedgerHandler internal handler;

    function setUp() public {
        VM.warp(1_780_272_000);
        ledger = new ConsentLedger();
        handler = new LedgerHandler(ledger);
    }

    /// @dev Only the handler is called by the invariant fuzzer.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_onlyThePatientOrANamedGuardianEverCreatesAGrantForThatPatient() public view {
        VM.assertEq(handler.grantsByOthers(), 0, "a grant appeared from someone else");
    }

    function invariant_aGrantPastItsExpiryIsNeverLive() public view {
        VM.assertEq(handler.liveAtOrAfterExpiry(), 0, "an expired grant was live after a call");
        uint256 n = handler.personCount();
        for (uint256 p = 0; p < n; ++p) {
            for (uint256 d = 0; d < n; ++d) {
                (uint64 expiry,) = ledger.grantOf(handler.personAt(p), handler.personAt(d));
                if (expiry <= block.timestamp) {
                    VM.assertFalse(ledger.isLive(handler.personAt(p), handler.personAt(d), 0), "expired yet live");
                }
            }
        }
    }

    function invariant_aRevokedGrantIsNeverLive() public view {
        VM.assertEq(handler.liveAfterRevocation(), 0, "a revoked grant was live");
        uint256 n = handler.personCount();
        for (uint256 p = 0; p < n; ++p) {
            for (uint256 d = 0; d < n; ++d) {
                if (handler.revokedSinceGranted(handler.personAt(p), handler.personAt(d))) {
                    VM.assertFalse(ledger.isLive(handler.personAt(p), handler.personAt(d), 0), "revoked yet live");
                }
            }
        }
    }

    function invariant_noGuardianMakesMoreThanThreeEmergencyGrantsIn30Days() public view {
        VM.assertEq(handler.emergencyGrantsOverCap(), 0, "a guardian went over the cap");
    }

    function invariant_noEventWithoutAStateChange() public view {
        VM.assertEq(handler.eventsWithoutChange(), 0, "an event reported no change");
        VM.assertEq(handler.changesWithoutEvent(), 0, "a change went without its event");
    }

    function invariant_theLedgerFollowsTheRules() public view {
        VM.assertEq(handler.unexpectedOutcomes(), 0, "a call succeeded or failed against the rules, or state diverged");
    }
}
