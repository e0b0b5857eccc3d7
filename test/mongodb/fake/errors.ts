/**
 * The fake's error model: a command fails with MongoDB's numeric code and code name
 * (https://www.mongodb.com/docs/manual/reference/error-codes/), so the driver raises the same
 * `MongoServerError` a real server would make it raise.
 */

export class CommandFailure extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(message);
  }
}

export const fail = (code: number, codeName: string, message: string): never => {
  throw new CommandFailure(code, codeName, message);
};

export const CODES = {
  InternalError: [1, "InternalError"],
  BadValue: [2, "BadValue"],
  FailedToParse: [9, "FailedToParse"],
  UserNotFound: [11, "UserNotFound"],
  Unauthorized: [13, "Unauthorized"],
  TypeMismatch: [14, "TypeMismatch"],
  AuthenticationFailed: [18, "AuthenticationFailed"],
  AlreadyInitialized: [23, "AlreadyInitialized"],
  NamespaceNotFound: [26, "NamespaceNotFound"],
  IndexNotFound: [27, "IndexNotFound"],
  PathNotViable: [28, "PathNotViable"],
  RoleNotFound: [31, "RoleNotFound"],
  ConflictingUpdateOperators: [40, "ConflictingUpdateOperators"],
  NamespaceExists: [48, "NamespaceExists"],
  DollarPrefixedFieldName: [52, "DollarPrefixedFieldName"],
  EmptyFieldName: [56, "EmptyFieldName"],
  CommandNotFound: [59, "CommandNotFound"],
  ImmutableField: [66, "ImmutableField"],
  CannotCreateIndex: [67, "CannotCreateIndex"],
  InvalidOptions: [72, "InvalidOptions"],
  InvalidNamespace: [73, "InvalidNamespace"],
  NodeNotFound: [74, "NodeNotFound"],
  IndexOptionsConflict: [85, "IndexOptionsConflict"],
  IndexKeySpecsConflict: [86, "IndexKeySpecsConflict"],
  InvalidReplicaSetConfig: [93, "InvalidReplicaSetConfig"],
  NotYetInitialized: [94, "NotYetInitialized"],
  NewReplicaSetConfigurationIncompatible: [103, "NewReplicaSetConfigurationIncompatible"],
  InvalidIndexSpecificationOption: [197, "InvalidIndexSpecificationOption"],
  CurrentConfigNotCommittedYet: [308, "CurrentConfigNotCommittedYet"],
  DuplicateKey: [11000, "DuplicateKey"],
  InterruptedDueToReplStateChange: [11602, "InterruptedDueToReplStateChange"],
  NotWritablePrimary: [10107, "NotWritablePrimary"],
  NotPrimaryNoSecondaryOk: [13435, "NotPrimaryNoSecondaryOk"],
  DuplicateUser: [51003, "Location51003"],
  DuplicateRole: [51002, "Location51002"],
} as const;

export const failWith = (c: readonly [number, string], message: string): never => fail(c[0], c[1], message);

/** For a request the fake deliberately does not model: fails loudly instead of answering wrongly. */
export const notModeled = (what: string): never =>
  fail(
    1,
    "InternalError",
    `fake mongod does not model ${what}; extend test/mongodb/fake before relying on it`,
  );
