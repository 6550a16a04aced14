// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Anchors} from "./Anchors.sol";
import {BreakGlass} from "./BreakGlass.sol";
import {Guardians} from "./Guardians.sol";
import {VisitLog} from "./VisitLog.sol";

// The composition is the whole contract: each concern lives in its own file.
// solhint-disable no-empty-blocks

/// @title ConsentLedger
/// @notice A patient's consent and audit trail in one place: grants and revocations,
/// guardians and their emergency grants, break-glass accesses, visits and anchors of the
/// history. It holds no medical data, no key and no name.
/// @dev One deployed contract so that the emergency and anchor paths read the grants they
/// depend on without an external call, and the app follows one address. Each concern lives
/// in its own abstract contract. No owner, no upgrade path: nobody but a patient (or their
/// guardian, within the emergency limits) can change that patient's consent. No function
/// calls out, so there is no interaction to order after the effects.
/// Names and argument types were checked for their selectors: the compiler (via IR) compares
/// selectors in ascending order, and the calls a patient pays for most (grant, revoke,
/// anchor) come before the views and the doctor's anchorForPatient.
contract ConsentLedger is Guardians, VisitLog, Anchors, BreakGlass {}
