// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {KeyRegistry} from "../src/KeyRegistry.sol";

/// @dev The cheatcodes these tests use (forge-std is not available here).
interface Vm {
    function prank(address sender) external;
    function assume(bool condition) external pure;
    function expectRevert(bytes4 selector) external;
    function expectEmit(bool topic1, bool topic2, bool topic3, bool data, address emitter) external;
    function assertEq(bytes32 left, bytes32 right, string calldata message) external pure;
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
    bytes32 internal constant PATIENT_NEW_KEY = keccak256("patient rotated x25519 key");
    bytes32 internal constant DOCTOR_KEY = keccak256("doctor x25519 key");

    function setUp() public {
        registry = new KeyRegistry();
    }

    // --- Reading ---------------------------------------------------------

    function test_anAccountThatNeverPublishedHasNoKey() public view {
        VM.assertEq(registry.keyOf(PATIENT), bytes32(0), "unpublished key must read as zero");
    }

    // --- First publication -----------------------------------------------

    function test_publishingMakesTheKeyReadableByAnyone() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);

        VM.prank(DOCTOR);
        VM.assertEq(registry.keyOf(PATIENT), PATIENT_KEY, "key must be readable by others");
    }

    function test_firstPublicationEmitsKeyPublishedNotRotated() public {
        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(PATIENT, PATIENT_KEY, false);

        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);
    }

    function test_aKeyIsPublishedOnlyUnderTheCallersOwnAddress() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);

        VM.assertEq(registry.keyOf(DOCTOR), bytes32(0), "another account's key must stay unset");
        VM.assertEq(registry.keyOf(address(this)), bytes32(0), "the caller's key only");
    }

    // --- Rotation --------------------------------------------------------

    function test_rotatingReplacesTheKey() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY);

        VM.assertEq(registry.keyOf(PATIENT), PATIENT_NEW_KEY, "rotation must replace the key");
    }

    function test_rotationEmitsKeyPublishedRotated() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);

        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(PATIENT, PATIENT_NEW_KEY, true);

        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY);
    }

    function test_rotatingBackToAnEarlierKeyIsAllowed() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_NEW_KEY);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);

        VM.assertEq(registry.keyOf(PATIENT), PATIENT_KEY, "an earlier key may be republished");
    }

    // --- Refusals --------------------------------------------------------

    function test_publishingTheZeroKeyReverts() public {
        VM.expectRevert(KeyRegistry.ZeroKey.selector);
        VM.prank(PATIENT);
        registry.publishKey(bytes32(0));
    }

    function test_theZeroKeyCannotEraseAPublishedKey() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);

        VM.expectRevert(KeyRegistry.ZeroKey.selector);
        VM.prank(PATIENT);
        registry.publishKey(bytes32(0));

        VM.assertEq(registry.keyOf(PATIENT), PATIENT_KEY, "a refused call must leave the key");
    }

    function test_republishingTheCurrentKeyReverts() public {
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);

        VM.expectRevert(KeyRegistry.KeyUnchanged.selector);
        VM.prank(PATIENT);
        registry.publishKey(PATIENT_KEY);
    }

    function test_theSameKeyMayBeUsedByTwoAccounts() public {
        VM.prank(PATIENT);
        registry.publishKey(DOCTOR_KEY);
        VM.prank(DOCTOR);
        registry.publishKey(DOCTOR_KEY);

        VM.assertEq(registry.keyOf(PATIENT), DOCTOR_KEY, "uniqueness is not enforced across accounts");
        VM.assertEq(registry.keyOf(DOCTOR), DOCTOR_KEY, "uniqueness is not enforced across accounts");
    }

    // --- Properties for all inputs ---------------------------------------

    function testFuzz_anyNonZeroKeyIsReadBack(address user, bytes32 key) public {
        VM.assume(key != bytes32(0));

        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(user, key, false);
        VM.prank(user);
        registry.publishKey(key);

        VM.assertEq(registry.keyOf(user), key, "published key must be read back");
    }

    function testFuzz_anyDifferentKeyRotates(address user, bytes32 first, bytes32 second) public {
        VM.assume(first != bytes32(0) && second != bytes32(0) && first != second);
        VM.prank(user);
        registry.publishKey(first);

        VM.expectEmit(true, false, false, true, address(registry));
        emit KeyRegistry.KeyPublished(user, second, true);
        VM.prank(user);
        registry.publishKey(second);

        VM.assertEq(registry.keyOf(user), second, "the latest key must be in force");
    }

    function testFuzz_theZeroKeyIsAlwaysRefused(address user, bytes32 prior) public {
        if (prior != bytes32(0)) {
            VM.prank(user);
            registry.publishKey(prior);
        }

        VM.expectRevert(KeyRegistry.ZeroKey.selector);
        VM.prank(user);
        registry.publishKey(bytes32(0));

        VM.assertEq(registry.keyOf(user), prior, "a refused call must leave the key");
    }

    function testFuzz_republishingIsAlwaysRefused(address user, bytes32 key) public {
        VM.assume(key != bytes32(0));
        VM.prank(user);
        registry.publishKey(key);

        VM.expectRevert(KeyRegistry.KeyUnchanged.selector);
        VM.prank(user);
        registry.publishKey(key);
    }

    function testFuzz_accountsNeverAffectEachOther(address a, address b, bytes32 keyA, bytes32 keyB) public {
        VM.assume(a != b && keyA != bytes32(0) && keyB != bytes32(0));
        VM.prank(a);
        registry.publishKey(keyA);
        VM.prank(b);
        registry.publishKey(keyB);

        VM.assertEq(registry.keyOf(a), keyA, "b's publication must not change a's key");
        VM.assertEq(registry.keyOf(b), keyB, "b's key must be its own");
    }
}

/// @dev Drives the registry with random publications from a few accounts and
/// keeps the expected state (the "ghost" model) beside it.
contract KeyRegistryHandler {
    KeyRegistry internal immutable REGISTRY;
    address[4] internal actors = [address(0xA11CE), address(0xD0C), address(0xE3E), address(0x6A4D)];

    mapping(address actor => bytes32 key) public expectedKey;
    mapping(address actor => uint256 count) public publications;
    uint256 public unexpectedOutcomes;

    constructor(KeyRegistry registry_) {
        REGISTRY = registry_;
    }

    /// @dev Publishes `key` as one of the actors; zero and repeated keys are
    /// sometimes chosen on purpose so the refusals are exercised too.
    function publishKey(uint256 actorSeed, bytes32 key, uint8 mode) external {
        address actor = actors[actorSeed % actors.length];
        if (mode % 8 == 0) key = bytes32(0);
        else if (mode % 8 == 1) key = expectedKey[actor];

        bytes32 current = expectedKey[actor];
        VM.prank(actor);
        try REGISTRY.publishKey(key) {
            if (key == bytes32(0) || key == current) ++unexpectedOutcomes;
            expectedKey[actor] = key;
            ++publications[actor];
        } catch (bytes memory reason) {
            bytes4 selector = bytes4(reason);
            bool expected = (key == bytes32(0) && selector == KeyRegistry.ZeroKey.selector)
                || (key != bytes32(0) && key == current && selector == KeyRegistry.KeyUnchanged.selector);
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
/// each account's latest accepted key, never zero once published.
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
            VM.assertEq(registry.keyOf(actor), handler.expectedKey(actor), "registry diverged from model");
        }
    }

    function invariant_aPublishedKeyIsNeverZero() public view {
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            address actor = handler.actorAt(i);
            if (handler.publications(actor) > 0) {
                VM.assertTrue(registry.keyOf(actor) != bytes32(0), "published key became zero");
            }
        }
    }

    function invariant_onlyZeroAndUnchangedKeysAreRefused() public view {
        VM.assertEq(handler.unexpectedOutcomes(), 0, "a call succeeded or failed unexpectedly");
    }
}
