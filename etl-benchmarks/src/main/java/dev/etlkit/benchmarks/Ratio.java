package dev.etlkit.benchmarks;

import java.util.Locale;

/** A ratio of two scores with its propagated error (NaN when either error is unknown). */
record Ratio(double value, double error) {

  /** {@code numerator ÷ denominator}, or null when either is missing or not a number. */
  static Ratio of(JmhResult numerator, JmhResult denominator) {
    if (numerator == null
        || denominator == null
        || denominator.score() == 0
        || Double.isNaN(numerator.score())
        || Double.isNaN(denominator.score())) {
      return null;
    }
    double value = numerator.score() / denominator.score();
    double relative =
        Math.hypot(numerator.error() / numerator.score(), denominator.relativeError());
    return new Ratio(value, value * relative);
  }

  /**
   * Two decimals, three below 0.1 (RocksDB ÷ heap is often a few percent), one more while the error
   * would print as zero.
   */
  @Override
  public String toString() {
    int decimals = Math.abs(value) < 0.1 ? 3 : 2;
    while (error > 0 && error < 0.5 * Math.pow(10, -decimals) && decimals < 4) {
      decimals++;
    }
    String number = "%." + decimals + "f";
    return Double.isNaN(error)
        ? String.format(Locale.ROOT, number, value)
        : String.format(Locale.ROOT, number + " ± " + number, value, error);
  }
}
