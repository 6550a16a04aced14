// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title KeyRegistry
/// @notice Where each account publishes the X25519 public key that others use to
/// encrypt records and grants for it, with the version of that key. Anyone reads; only
/// the account itself writes.
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

    /// @notice The key is zero, which is not a valid X25519 public key and reads as "none".
    error ZeroKey();

    /// @notice The key is already the caller's current key: nothing would change.
    error KeyUnchanged();

    /// @notice The version is not the one after the caller's current version (another
    /// device may have replaced the key meanwhile).
    /// @param expected The version a publication must name now: the current one plus one, 1 for a first key.
    error WrongVersion(uint32 expected);

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
}
