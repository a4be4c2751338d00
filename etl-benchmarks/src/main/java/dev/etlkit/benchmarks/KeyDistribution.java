package dev.etlkit.benchmarks;

/** How the keys of a benchmark's input are drawn from its key space. */
public enum KeyDistribution {
  /** Every key equally likely. */
  UNIFORM,
  /**
   * Zipf with exponent {@link KeySequence#ZIPF_EXPONENT}: the key of rank r is drawn with
   * probability proportional to 1/r^s, so a few hot keys take most records.
   */
  ZIPF
}
