// Log-space arithmetic for the RDP accountant: log-add, log-sub, log erfc, real binomials.

/** log(e^x + e^y) without overflow; −∞ is the log of 0. */
export function logAdd(logx: number, logy: number): number {
  const a = Math.min(logx, logy);
  const b = Math.max(logx, logy);
  if (a === -Infinity) return b;
  return Math.log1p(Math.exp(a - b)) + b;
}

/** log(e^x − e^y) for x ≥ y; as in Opacus, an overflowing difference returns x. */
export function logSub(logx: number, logy: number): number {
  if (logx < logy) throw new RangeError('the result of a log-space subtraction must be non-negative');
  if (logy === -Infinity) return logx;
  if (logx === logy) return -Infinity;
  const e = Math.expm1(logx - logy);
  return Number.isFinite(e) ? Math.log(e) + logy : logx;
}

/** W. J. Cody's rational approximations of erf/erfc (Math. Comp. 23, 1969; netlib SPECFUN CALERF). */
const A = [3.1611237438705656, 113.86415415105016, 377.485237685302021, 3209.37758913846947, 0.185777706184603153];
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062];
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
];
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
];
const P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
  6.58749161529837803e-4, 0.0163153871373020978,
];
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 2.33520497626869185e-3];
const INV_SQRT_PI = 0.5641895835477562869;

/** erf(y) for |y| ≤ 0.46875. */
function erfSmall(y: number): number {
  const z = y * y;
  let num = A[4]! * z;
  let den = z;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]!) * z;
    den = (den + B[i]!) * z;
  }
  return (y * (num + A[3]!)) / (den + B[3]!);
}

/** log erfc(y) for y ≥ 0, relative accuracy near machine precision even where erfc underflows. */
function logErfcNonNegative(y: number): number {
  if (y <= 0.46875) return Math.log1p(-erfSmall(y));
  let scaled: number; // erfcx(y) = e^{y²} erfc(y)
  if (y <= 4) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    scaled = (num + C[7]!) / (den + D[7]!);
  } else {
    const z = 1 / (y * y);
    let num = P[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]!) * z;
      den = (den + Q[i]!) * z;
    }
    scaled = (INV_SQRT_PI - (z * (num + P[4]!)) / (den + Q[4]!)) / y;
  }
  return Math.log(scaled) - y * y;
}

/**
 * log(erfc(x)) for any real x; Opacus computes the same as log 2 + log_ndtr(−x√2) with SciPy.
 * @example logErfc(10) // ≈ −103.9 (erfc(10) ≈ 2.1e−45)
 */
export function logErfc(x: number): number {
  if (x >= 0) return logErfcNonNegative(x);
  // erfc(x) = 2 − erfc(−x) for x < 0.
  return Math.log(2 - Math.exp(logErfcNonNegative(-x)));
}

/**
 * The generalised binomial coefficient C(α, k) = α(α−1)…(α−k+1)/k! for real α and integer k ≥ 0
 * (negative for some k when α is fractional).
 * @example binomial(5, 2) // 10; binomial(1.5, 3) // −0.0625
 */
export function binomial(alpha: number, k: number): number {
  let c = 1;
  for (let j = 0; j < k; j++) c = (c * (alpha - j)) / (j + 1);
  return c;
}
