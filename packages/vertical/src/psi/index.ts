// Public API of private set intersection (ECDH over ristretto255) for vertical FL sample alignment.
export { PsiError } from './errors.ts';
export type { PsiErrorCode } from './errors.ts';
export { PsiParty, inThreadPsiCompute } from './PsiParty.ts';
export type { PsiCompute, PsiPartyOptions, PsiResult } from './PsiParty.ts';
export { DEFAULT_MAX_SET_SIZE } from './messages.ts';
export type { PsiBlindedSet, PsiReblindedSet, PsiAlignmentMessage } from './messages.ts';
export { runTwoPartyPsi, buildAlignment, applyAlignment, alignMultiParty } from './alignment.ts';
export type { MultiPartyAlignment } from './alignment.ts';
export { blindIds, reblindPoints, hashIdToPoint, randomScalar, POINT_BYTES, GROUP_ORDER, PSI_DST } from './ristrettoBlinding.ts';
export { randomPermutation } from './bytes.ts';
