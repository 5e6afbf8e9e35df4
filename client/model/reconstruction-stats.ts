/**
 * How well the top-down reconstruction p(v = 1 | h(n)) matches the sample it was coded from:
 * the fraction of spins whose sign it gets right (a site reads as up when p > ½; p = ½ counts
 * half, so a reconstruction that knows nothing scores ½), and the magnetization of each —
 * m = (1/N) Σ s_i of the sample, and the reconstruction's expected ⟨m⟩ = (1/N) Σ (2p_i − 1).
 * Pure; no DOM.
 */

export interface ReconstructionAgreement {
  sites: number;
  /** Fraction of sites where sign(2p − 1) = s, in [0, 1]. */
  agreement: number;
  sampleMagnetization: number;
  reconstructionMagnetization: number;
}

/**
 * @param spins ±1 per site
 * @param pUp   p(v_i = 1 | code) per site, same length
 */
export function compareReconstruction(spins: ArrayLike<number>, pUp: ArrayLike<number>): ReconstructionAgreement {
  const sites = spins.length;
  if (pUp.length !== sites) throw new RangeError(`${sites} spins but ${pUp.length} probabilities`);
  if (sites === 0) return { sites, agreement: Number.NaN, sampleMagnetization: Number.NaN, reconstructionMagnetization: Number.NaN };
  let agree = 0;
  let m = 0;
  let mp = 0;
  for (let i = 0; i < sites; i++) {
    const s = spins[i]! > 0 ? 1 : -1;
    const signed = 2 * pUp[i]! - 1;
    m += s;
    mp += signed;
    agree += signed === 0 ? 0.5 : signed * s > 0 ? 1 : 0;
  }
  return { sites, agreement: agree / sites, sampleMagnetization: m / sites, reconstructionMagnetization: mp / sites };
}

/** 2p − 1 per site: p(v = 1) on the diverging map's scale (−1 down, 0 undecided, +1 up). */
export function signedProbabilities(pUp: ArrayLike<number>, out: Float32Array = new Float32Array(pUp.length)): Float32Array {
  for (let i = 0; i < pUp.length; i++) out[i] = 2 * pUp[i]! - 1;
  return out;
}
