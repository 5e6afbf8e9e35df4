/**
 * Exact reference results for the Ising model, the test oracles of rgflow: Onsager (infinite 2D
 * lattice), Kaufman (finite periodic 2D lattice), brute-force enumeration (N ≤ 20 sites) and
 * the 1D chain (transfer matrix, decimation RG). Pure functions, no I/O.
 */
export {
  ellipticE,
  ellipticK,
  onsagerEnergyPerSite,
  onsagerFreeEnergyPerSite,
  onsagerSpecificHeatPerSite,
  onsagerSpontaneousMagnetization,
} from './onsager.js';
export { kaufmanExact, type FiniteLatticeExact } from './kaufman.js';
export { enumerateIsing, MAX_ENUMERATION_SITES, type EnumerationResult } from './enumerate.js';
export { chainCorrelation, chainEnergyPerBond, chainLogZ, decimateCoupling, decimationFlow } from './chain1d.js';
