// @flotilla/vertical: vertical federated learning — private sample alignment (PSI) and protocols.
export {
  PsiError,
  PsiParty,
  inThreadPsiCompute,
  DEFAULT_MAX_SET_SIZE,
  runTwoPartyPsi,
  buildAlignment,
  applyAlignment,
  alignMultiParty,
  blindIds,
  reblindPoints,
  hashIdToPoint,
  randomScalar,
  randomPermutation,
  POINT_BYTES,
  GROUP_ORDER,
  PSI_DST,
} from './psi/index.ts';
export type {
  PsiErrorCode,
  PsiCompute,
  PsiPartyOptions,
  PsiResult,
  PsiBlindedSet,
  PsiReblindedSet,
  PsiAlignmentMessage,
  MultiPartyAlignment,
} from './psi/index.ts';
export { VerticalError } from './VerticalError.ts';
export type { VerticalErrorCode } from './VerticalError.ts';
export { MAX_HOSTS, hostRoles, hostIndex } from './roles.ts';
export type { HostRole } from './roles.ts';
export * from './heteroLr/index.ts';
export * from './splitNn/index.ts';
export * from './ftl/index.ts';
export * from './session/index.ts';
