// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {KeyRegistry} from "../src/KeyRegistry.sol";

/// @dev The cheatcodes these tests use (forge-std is not available here).
interface Vm {
    function prank(address sender) external;
    function assume(bool condition) external pure;
    function expectRevert(bytes4 selector) external;
    function expectRevert(bytes calldata revertData) external;
    function expectEmit(bool topic1, bool topic2, bool topic3, bool data, address emitter) external;
    function assertEq(bytes32 left, bytes32 right, string calldata message) external pure;
    function roll(uint256 blockNumber) external;
    function assertEq(uint256 left, uint256 right, string calldata message) external pure;
    function assertTrue(bool condition, string calldata message) external pure;
}

/// @dev The address every Foundry-compatible runner answers cheatcodes at.
Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @title KeyRegistry specification
/// @notice Each test states one rule of the registry; fuzzed tests state it for all inputs.
contract KeyRegistryTest {
    KeyRegistry internal registry;

    address internal constant PATIENT = address(0xA11CE);
    address internal constant DOCTOR = address(0xD0C);
    bytes32 internal constant PATIENT_KEY = keccak256("patient x25519 key");
    bytes32 internal constant PATIENT_NEW_KEY = keccak256("patient replaced x25519 key");
    bytes32 internal constant DOCTOR_KEY = keccak256("doctor x25519 key");

    function setUp() public {
        registry = new KeyRegistry();
    }

    function keyOf(address user) internal view returns (bytes32 key) {
        (key,) = registry.keyOf(user);
    }

    function versionOf(address user) internal view returns (uint256 version) {
        (, version) = registry.keyOf(user);
    }

    // --- Reading ---------------------------------------------------------

    function test_anAccountThatNeverPublishedHasNoKeyAndVersionZero() public view {
        VM.assertEq(keyOf(PATIENT), bytes32(0), "unpublished key must read as zero");
        VM.assertEq(versionOf(PATIENT), 0, "unpublished version must read as zero");
    }

    // --- First publication -----------------------------------------------

    function test_publishingMakesTheKeyAndItsVersionReadableByAnyone() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);

        VM.prank(DOCTOR);
        (bytes32 key, uint32 version) = registry.keyOf(PATIENT);
        VM.assertEq(key, PATIENT_KEY, "key must be readable by others");
        VM.assertEq(version, 1, "a first key is version 1");
    }

    function test_firstPublicationEmitsKeyPublishedVersionOne() public {
        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(PATIENT, PATIENT_KEY, 1);

        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);
    }

    function test_aFirstKeyMustBeVersionOne() public {
        VM.expectRevert(abi.encodeWithSelector(KeyRegistry.WrongVersion.selector, uint32(1)));
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 2);

        VM.expectRevert(abi.encodeWithSelector(KeyRegistry.WrongVersion.selector, uint32(1)));
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 0);

        VM.assertEq(keyOf(PATIENT), bytes32(0), "a refused call must publish nothing");
    }

    function test_aKeyIsPublishedOnlyUnderTheCallersOwnAddress() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);

        VM.assertEq(keyOf(DOCTOR), bytes32(0), "another account's key must stay unset");
        VM.assertEq(versionOf(DOCTOR), 0, "another account's version must stay unset");
        VM.assertEq(keyOf(address(this)), bytes32(0), "the caller's key only");
    }

    // --- Replacement -----------------------------------------------------

    function test_replacingWithTheNextVersionReplacesTheKey() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY, 2);

        VM.assertEq(keyOf(PATIENT), PATIENT_NEW_KEY, "replacement must replace the key");
        VM.assertEq(versionOf(PATIENT), 2, "replacement must move to the next version");
    }

    function test_replacementEmitsKeyPublishedWithTheNewVersion() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);

        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(PATIENT, PATIENT_NEW_KEY, 2);

        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY, 2);
    }

    function test_aReplacementThatSkipsOrRepeatsAVersionReverts() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);

        // Two devices replacing at once: the second names the version the first already took.
        VM.expectRevert(abi.encodeWithSelector(KeyRegistry.WrongVersion.selector, uint32(2)));
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY, 1);

        VM.expectRevert(abi.encodeWithSelector(KeyRegistry.WrongVersion.selector, uint32(2)));
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY, 3);

        VM.assertEq(keyOf(PATIENT), PATIENT_KEY, "a refused call must leave the key");
        VM.assertEq(versionOf(PATIENT), 1, "a refused call must leave the version");
    }

    function test_anEarlierKeyMayBePublishedAgainUnderANewVersion() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY, 2);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 3);

        VM.assertEq(keyOf(PATIENT), PATIENT_KEY, "an earlier key may be republished");
        VM.assertEq(versionOf(PATIENT), 3, "under the next version");
    }

    // --- Refusals --------------------------------------------------------

    function test_publishingTheZeroKeyReverts() public {
        VM.expectRevert(KeyRegistry.ZeroKey.selector);
        VM.prank(PATIENT);
        registry.publishKey(bytes32(0), 1);
    }

    function test_theZeroKeyCannotEraseAPublishedKey() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);

        VM.expectRevert(KeyRegistry.ZeroKey.selector);
        VM.prank(PATIENT);
        registry.publishKey(bytes32(0), 2);

        VM.assertEq(keyOf(PATIENT), PATIENT_KEY, "a refused call must leave the key");
        VM.assertEq(versionOf(PATIENT), 1, "a refused call must leave the version");
    }

    function test_republishingTheCurrentKeyReverts() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);

        VM.expectRevert(KeyRegistry.KeyUnchanged.selector);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 2);
    }

    function test_theSameKeyMayBeUsedByTwoAccounts() public {
        VM.prank(PATIENT);
        registry.publishKey(DOCTOR_KEY, 1);
        VM.prank(DOCTOR);
        registry.publishKey(DOCTOR_KEY, 1);

        VM.assertEq(keyOf(PATIENT), DOCTOR_KEY, "uniqueness is not enforced across accounts");
        VM.assertEq(keyOf(DOCTOR), DOCTOR_KEY, "uniqueness is not enforced across accounts");
    }

    // --- Properties for all inputs ---------------------------------------

    // --- Sealed keeper lists -----------------------------------------------

    function test_anAccountThatNeverSealedAListHasNoBlock() public view {
        VM.assertEq(registry.keepersSealedAt(PATIENT), 0, "no list must read as block 0");
    }

    function test_sealingRecordsTheBlockAndEmitsTheListUnderTheCallersAddress() public {
        bytes memory list = hex"01a1b2c3";
        VM.roll(42);
        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeepersSealed(PATIENT, list);
        VM.prank(PATIENT);
        registry.sealKeepers(list);
        VM.assertEq(registry.keepersSealedAt(PATIENT), 42, "the block of the list must be recorded");
        VM.assertEq(registry.keepersSealedAt(DOCTOR), 0, "another account must have no list");
    }

    function test_aNewListMovesTheBlockAndEmptyBytesClearInANewEvent() public {
        VM.roll(10);
        VM.prank(PATIENT);
        registry.sealKeepers(new bytes(300));
        VM.roll(11);
        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeepersSealed(PATIENT, "");
        VM.prank(PATIENT);
        registry.sealKeepers("");
        VM.assertEq(registry.keepersSealedAt(PATIENT), 11, "the clearing must be the latest list");
    }

    function test_aListLongerThanTheMaximumRevertsAndLeavesTheLastOne() public {
        uint256 max = registry.MAX_SEALED_KEEPERS();
        VM.roll(5);
        VM.prank(PATIENT);
        registry.sealKeepers(new bytes(max));
        VM.roll(6);
        VM.expectRevert(abi.encodeWithSelector(KeyRegistry.SealedKeepersTooLong.selector, max));
        VM.prank(PATIENT);
        registry.sealKeepers(new bytes(max + 1));
        VM.assertEq(registry.keepersSealedAt(PATIENT), 5, "a refused list must leave the last one");
    }

    function test_sealingAListLeavesTheKeyAndVersion() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY, 1);
        VM.prank(PATIENT);
        registry.sealKeepers(hex"01");
        VM.assertEq(keyOf(PATIENT), PATIENT_KEY, "the key must not change");
        VM.assertEq(versionOf(PATIENT), 1, "the version must not change");
    }

    function testFuzz_anyNonZeroKeyIsReadBackAsVersionOne(address user, bytes32 key) public {
        VM.assume(key != bytes32(0));

        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(user, key, 1);
        VM.prank(user);
        registry.publishKey(key, 1);

        VM.assertEq(keyOf(user), key, "published key must be read back");
        VM.assertEq(versionOf(user), 1, "a first key is version 1");
    }

    function testFuzz_anyDifferentKeyReplacesUnderTheNextVersion(address user, bytes32 first, bytes32 second) public {
        VM.assume(first != bytes32(0) && second != bytes32(0) && first != second);
        VM.prank(user);
        registry.publishKey(first, 1);

        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(user, second, 2);
        VM.prank(user);
        registry.publishKey(second, 2);

        VM.assertEq(keyOf(user), second, "the latest key must be in force");
        VM.assertEq(versionOf(user), 2, "under the next version");
    }

    function testFuzz_anyVersionButTheNextIsRefused(address user, bytes32 key, uint32 version) public {
        VM.assume(key != bytes32(0) && version != 1);

        VM.expectRevert(abi.encodeWithSelector(KeyRegistry.WrongVersion.selector, uint32(1)));
        VM.prank(user);
        registry.publishKey(key, version);

        VM.assertEq(keyOf(user), bytes32(0), "a refused call must publish nothing");
    }

    function testFuzz_theZeroKeyIsAlwaysRefused(address user, bytes32 prior, uint32 version) public {
        if (prior != bytes32(0)) {
            VM.prank(user);
            registry.publishKey(prior, 1);
        }

        VM.expectRevert(KeyRegistry.ZeroKey.selector);
        VM.prank(user);
        registry.publishKey(bytes32(0), version);

        VM.assertEq(keyOf(user), prior, "a refused call must leave the key");
    }

    function testFuzz_republishingIsAlwaysRefused(address user, bytes32 key) public {
        VM.assume(key != bytes32(0));
        VM.prank(user);
        registry.publishKey(key, 1);

        VM.expectRevert(KeyRegistry.KeyUnchanged.selector);
        VM.prank(user);
        registry.publishKey(key, 2);
    }

    function testFuzz_accountsNeverAffectEachOther(address a, address b, bytes32 keyA, bytes32 keyB) public {
        VM.assume(a != b && keyA != bytes32(0) && keyB != bytes32(0));
        VM.prank(a);
        registry.publishKey(keyA, 1);
        VM.prank(b);
        registry.publishKey(keyB, 1);
        VM.prank(b);
        registry.publishKey(keyA == keyB ? bytes32(uint256(keyB) ^ 1) : keyA, 2);

        VM.assertEq(keyOf(a), keyA, "b's publications must not change a's key");
        VM.assertEq(versionOf(a), 1, "b's publications must not change a's version");
        VM.assertEq(versionOf(b), 2, "b's version must be its own");
    }
}

/// @dev Drives the registry with random publications from a few accounts and
/// keeps the expected state (the "ghost" model) beside it.
contract KeyRegistryHandler {
    KeyRegistry internal immutable REGISTRY;
    address[4] internal actors = [address(0xA11CE), address(0xD0C), address(0xE3E), address(0x6A4D)];

    mapping(address actor => bytes32 key) public expectedKey;
    mapping(address actor => uint32 version) public expectedVersion;
    mapping(address actor => uint256 count) public publications;
    uint256 public unexpectedOutcomes;

    constructor(KeyRegistry registry_) {
        REGISTRY = registry_;
    }

    /// @dev Publishes `key` as one of the actors; zero and repeated keys, and wrong versions,
    /// are sometimes chosen on purpose so the refusals are exercised too.
    function publishKey(uint256 actorSeed, bytes32 key, uint32 version, uint8 mode) external {
        address actor = actors[actorSeed % actors.length];
        bytes32 current = expectedKey[actor];
        uint32 next = expectedVersion[actor] + 1;
        if (mode % 8 == 0) key = bytes32(0);
        else if (mode % 8 == 1) key = current;
        // Mostly the right version, as the app sends it; sometimes any other.
        if (mode % 4 != 3) version = next;

        VM.prank(actor);
        try REGISTRY.publishKey(key, version) {
            if (key == bytes32(0) || key == current || version != next) ++unexpectedOutcomes;
            expectedKey[actor] = key;
            expectedVersion[actor] = version;
            ++publications[actor];
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            bool expected = (key == bytes32(0) && selector == KeyRegistry.ZeroKey.selector)
                || (key != bytes32(0) && key == current && selector == KeyRegistry.KeyUnchanged.selector)
                || (key != bytes32(0) && key != current && version != next
                    && keccak256(reason) == keccak256(abi.encodeWithSelector(KeyRegistry.WrongVersion.selector, next)));
            if (!expected) ++unexpectedOutcomes;
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function actorAt(uint256 index) external view returns (address) {
        return actors[index];
    }
}

/// @title KeyRegistry invariants
/// @notice Whatever sequence of publications happens, the registry holds exactly
/// each account's latest accepted key, never zero once published, and its version
/// counts the account's accepted publications.
contract KeyRegistryInvariantTest {
    KeyRegistry internal registry;
    KeyRegistryHandler internal handler;

    function setUp() public {
        registry = new KeyRegistry();
        handler = new KeyRegistryHandler(registry);
    }

    /// @dev Only the handler is called by the invariant fuzzer.
    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function invariant_registryHoldsEachAccountsLatestAcceptedKey() public view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address actor = handler.actorAt(i);
            (bytes32 key,) = registry.keyOf(actor);
            VM.assertEq(key, handler.expectedKey(actor), "registry diverged from model");
        }
    }

    function invariant_theVersionCountsTheAcceptedPublications() public view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address actor = handler.actorAt(i);
            (, uint32 version) = registry.keyOf(actor);
            VM.assertEq(version, handler.publications(actor), "the version must count the accepted publications");
        }
    }

    function invariant_aPublishedKeyIsNeverZero() public view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address actor = handler.actorAt(i);
            if (handler.publications(actor) > 0) {
                (bytes32 key,) = registry.keyOf(actor);
                VM.assertTrue(key != bytes32(0), "published key became zero");
            }
        }
    }

    function invariant_onlyZeroUnchangedKeysAndWrongVersionsAreRefused() public view {
        VM.assertEq(handler.unexpectedOutcomes(), 0, "a call succeeded or failed unexpectedly");
    }
}
