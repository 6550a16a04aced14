// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title KeyRegistry
/// @notice Where each account publishes the X25519 public key that others use to
/// encrypt records and grants for it. Anyone reads; only the account itself writes.
/// @dev No owner, no upgrade path, no deletion: a key is replaced by rotating to a new one.
contract KeyRegistry {
    /// @dev The current X25519 public key of each account; zero means none published.
    mapping(address user => bytes32 key) private _keys;

    // Indexing `rotated` would cost a topic (375 gas) to save a data word (256 gas);
    // readers filter on `user`.
    /* solhint-disable gas-indexed-events */
    /// @notice A user published their first key (`rotated` false) or replaced their
    /// previous one (`rotated` true).
    /// @param user The account the key belongs to.
    /// @param key The X25519 public key now in force for `user`.
    /// @param rotated Whether `key` replaced a previously published key.
    event KeyPublished(address indexed user, bytes32 key, bool rotated);
    /* solhint-enable gas-indexed-events */

    /// @notice The key is zero, which is not a valid X25519 public key and reads as "none".
    error ZeroKey();

    /// @notice The key is already the caller's current key: nothing would change.
    error KeyUnchanged();

    /// @notice Publishes `key` as the caller's X25519 public key, replacing any earlier one.
    /// @dev Emits {KeyPublished}. Reverts with {ZeroKey} or {KeyUnchanged}.
    /// @param key The caller's X25519 public key (32 bytes, as on the wire).
    function publishKey(bytes32 key) external {
        if (key == bytes32(0)) revert ZeroKey();
        bytes32 previous = _keys[msg.sender];
        if (key == previous) revert KeyUnchanged();
        _keys[msg.sender] = key;
        emit KeyPublished(msg.sender, key, previous != bytes32(0));
    }

    /// @notice Returns the X25519 public key `user` has published, or zero if none.
    /// @param user The account whose key is read.
    /// @return key The current key of `user`, zero if they never published one.
    function keyOf(address user) external view returns (bytes32 key) {
        return _keys[user];
    }
}
