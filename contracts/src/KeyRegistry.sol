// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title KeyRegistry
/// @notice Where each account publishes the X25519 public key that others use to
/// encrypt records and grants for it, with the version of that key; and where a patient
/// leaves the list of their keepers sealed to their own key, so a new device with only
/// the wallet finds them while nobody else learns who keeps the history. Anyone reads;
/// only the account itself writes.
/// @dev No owner, no upgrade path, no deletion: a key is replaced by publishing the next
/// version. The app derives each version's key from a wallet signature that names the
/// version, so a replacement gives keys that an exposed earlier version cannot derive.
contract KeyRegistry {
    /// @dev An account's current key and its version; a zero key (and version 0) means none published.
    struct PublishedKey {
        bytes32 key;
        uint32 version;
    }

    /// @dev The current key of each account.
    mapping(address user => PublishedKey published) private _keys;

    /// @dev The block of each account's latest sealed keeper list: the list itself lives in that
    /// block's {KeepersSealed} event, which costs a small part of what storage would.
    mapping(address user => uint256 blockNumber) private _keepersSealedAt;

    /// @notice The longest sealed keeper list accepted, in bytes: a few keepers' addresses, padded.
    uint256 public constant MAX_SEALED_KEEPERS = 1024;

    // Indexing `version` would cost a topic (375 gas) to save a data word (256 gas);
    // readers filter on `user`.
    /* solhint-disable gas-indexed-events */
    /// @notice A user published their first key (`version` 1) or replaced their previous
    /// one with the next version.
    /// @param user The account the key belongs to.
    /// @param key The X25519 public key now in force for `user`.
    /// @param version The version of `key`: 1 for the first, one more for each replacement.
    event KeyPublished(address indexed user, bytes32 key, uint32 version);
    /* solhint-enable gas-indexed-events */

    /// @notice A user replaced (or, with empty bytes, cleared) their keeper list, sealed to
    /// their own key: opaque to everyone else. The latest is the last of these events in the
    /// block {keepersSealedAt} names.
    /// @param user The account whose list it is.
    /// @param list The sealed list, empty when cleared.
    event KeepersSealed(address indexed user, bytes list);

    /// @notice The key is zero, which is not a valid X25519 public key and reads as "none".
    error ZeroKey();

    /// @notice The key is already the caller's current key: nothing would change.
    error KeyUnchanged();

    /// @notice The version is not the one after the caller's current version (another
    /// device may have replaced the key meanwhile).
    /// @param expected The version a publication must name now: the current one plus one, 1 for a first key.
    error WrongVersion(uint32 expected);

    /// @notice The sealed keeper list is longer than {MAX_SEALED_KEEPERS}.
    /// @param max The longest list accepted, in bytes.
    error SealedKeepersTooLong(uint256 max);

    /// @notice Publishes `key` as the caller's X25519 public key, version `version`, replacing
    /// any earlier one.
    /// @dev Emits {KeyPublished}. Reverts with {ZeroKey}, {KeyUnchanged} or {WrongVersion}.
    /// @param key The caller's X25519 public key (32 bytes, as on the wire).
    /// @param version The key's version: 1 for a first key, else the current version plus one.
    function publishKey(bytes32 key, uint32 version) external {
        if (key == bytes32(0)) revert ZeroKey();
        PublishedKey storage published = _keys[msg.sender];
        if (key == published.key) revert KeyUnchanged();
        uint32 expected = published.version + 1;
        if (version != expected) revert WrongVersion(expected);
        published.key = key;
        published.version = version;
        emit KeyPublished(msg.sender, key, version);
    }

    /// @notice Returns the X25519 public key `user` has published and its version, or zero and 0 if none.
    /// @param user The account whose key is read.
    /// @return key The current key of `user`, zero if they never published one.
    /// @return version The version of `key`, 0 if they never published one.
    function keyOf(address user) external view returns (bytes32 key, uint32 version) {
        PublishedKey storage published = _keys[user];
        return (published.key, published.version);
    }

    /// @notice Replaces the caller's sealed keeper list; empty bytes clear it.
    /// @dev Emits {KeepersSealed}. Reverts with {SealedKeepersTooLong}. The contract never reads
    /// the bytes: only the caller's own X25519 secret key opens them.
    /// @param list The list, sealed to the caller's current key by the app.
    function sealKeepers(bytes calldata list) external {
        if (list.length > MAX_SEALED_KEEPERS) revert SealedKeepersTooLong(MAX_SEALED_KEEPERS);
        _keepersSealedAt[msg.sender] = block.number;
        emit KeepersSealed(msg.sender, list);
    }

    /// @notice The block whose last {KeepersSealed} event of `user` holds their current list, 0 if none.
    /// @param user The account whose list is looked for.
    /// @return blockNumber The block of the latest {sealKeepers} call of `user`, 0 if they never made one.
    function keepersSealedAt(address user) external view returns (uint256 blockNumber) {
        return _keepersSealedAt[user];
    }
}
