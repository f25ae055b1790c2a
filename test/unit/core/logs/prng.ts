/** Deterministic PRNG (xorshift32) for property tests, so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  let s = seed || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
