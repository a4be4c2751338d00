package dev.etlkit.core;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.annotation.PublicEvolving;

/**
 * What a step does with a record it cannot process.
 *
 * <ul>
 *   <li>{@link #deadLetter()} (the default): emit a {@link DeadLetter}, count it, keep running.
 *   <li>{@link #failJob()}: throw an {@link EtlException} naming the step, so Flink's restart
 *       strategy takes over.
 *   <li>{@link #errorBudget(long)}: dead-letter up to {@code maxErrors} records, then fail.
 *   <li>{@link #errorRateBudget(double, long)}: dead-letter while the share of bad records stays at
 *       or under {@code maxRate}; fail once it is exceeded after at least {@code minRecords}
 *       inputs.
 * </ul>
 *
 * <p>Budgets are counted per parallel subtask of the step since the subtask (re)started: a restart
 * begins a fresh budget. A step made of several operators (a key check before a shuffle, then a
 * keyed operator) has a budget per operator, each counting its own bad records out of the records
 * it sees (see {@link ErrorHandler}). A rate budget is checked on every bad record and when the
 * inputs reach {@code minRecords}. Set a policy for a whole pipeline with {@link
 * EtlPipeline#defaultErrorPolicy(ErrorPolicy)} and override it per step where the step offers
 * {@code withErrorPolicy}.
 */
@PublicEvolving
public final class ErrorPolicy implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The three behaviours; budgets dead-letter until they are exhausted. */
  @PublicEvolving
  public enum Kind {
    DEAD_LETTER,
    FAIL,
    BUDGET
  }

  private static final ErrorPolicy DEAD_LETTER = new ErrorPolicy(Kind.DEAD_LETTER, 0, 0.0, 0);
  private static final ErrorPolicy FAIL = new ErrorPolicy(Kind.FAIL, 0, 0.0, 0);

  private final Kind kind;
  private final long maxErrors;
  private final double maxRate;
  private final long minRecords;

  private ErrorPolicy(Kind kind, long maxErrors, double maxRate, long minRecords) {
    this.kind = kind;
    this.maxErrors = maxErrors;
    this.maxRate = maxRate;
    this.minRecords = minRecords;
  }

  /** Route every bad record to the dead-letter output (the default). */
  public static ErrorPolicy deadLetter() {
    return DEAD_LETTER;
  }

  /** Fail the job on the first bad record. */
  public static ErrorPolicy failJob() {
    return FAIL;
  }

  /**
   * Dead-letter up to {@code maxErrors} bad records per subtask, fail on the next one. Any value
   * from 0 (fail on the first) to {@code Long.MAX_VALUE} (never fail) is honoured.
   *
   * @throws IllegalArgumentException if {@code maxErrors} is negative
   */
  public static ErrorPolicy errorBudget(long maxErrors) {
    if (maxErrors < 0) {
      throw new IllegalArgumentException("maxErrors must be >= 0, was " + maxErrors);
    }
    return new ErrorPolicy(Kind.BUDGET, maxErrors, 1.0, Long.MAX_VALUE);
  }

  /**
   * Dead-letter bad records while {@code bad / in <= maxRate}; fail when the rate is exceeded and
   * the subtask has seen at least {@code minRecords} inputs (so a bad first record does not fail):
   * on the input that makes {@code minRecords}, if the bad records before it already exceed the
   * rate, or on any later bad record that does. With {@code minRecords} of {@code Long.MAX_VALUE}
   * the budget never fails.
   *
   * @throws IllegalArgumentException if {@code maxRate} is not in [0, 1) (NaN included) or {@code
   *     minRecords} is below 1
   */
  public static ErrorPolicy errorRateBudget(double maxRate, long minRecords) {
    if (!(maxRate >= 0.0 && maxRate < 1.0)) {
      throw new IllegalArgumentException("maxRate must be in [0, 1), was " + maxRate);
    }
    if (minRecords < 1) {
      throw new IllegalArgumentException("minRecords must be >= 1, was " + minRecords);
    }
    // + 0.0 turns -0.0 into 0.0, the same budget
    return new ErrorPolicy(Kind.BUDGET, Long.MAX_VALUE, maxRate + 0.0, minRecords);
  }

  public Kind kind() {
    return kind;
  }

  /** Bad records a budget dead-letters before failing ({@code Long.MAX_VALUE} for rate budgets). */
  public long maxErrors() {
    return maxErrors;
  }

  /** Largest tolerated share of bad records for rate budgets (1.0 for count budgets). */
  public double maxRate() {
    return maxRate;
  }

  /** Inputs a rate budget waits for before it can fail. */
  public long minRecords() {
    return minRecords;
  }

  /**
   * Whether a subtask that has now seen {@code errors} bad records out of {@code inputs} must fail.
   */
  public boolean isExceeded(long errors, long inputs) {
    switch (kind) {
      case DEAD_LETTER:
        return false;
      case FAIL:
        return errors > 0;
      default:
        if (errors > maxErrors) {
          return true;
        }
        return inputs >= minRecords && (double) errors / inputs > maxRate;
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ErrorPolicy)) {
      return false;
    }
    ErrorPolicy that = (ErrorPolicy) o;
    return kind == that.kind
        && maxErrors == that.maxErrors
        && Double.compare(maxRate, that.maxRate) == 0
        && minRecords == that.minRecords;
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, maxErrors, maxRate, minRecords);
  }

  @Override
  public String toString() {
    switch (kind) {
      case DEAD_LETTER:
        return "dead-letter";
      case FAIL:
        return "fail-job";
      default:
        // A count budget tolerates any rate (1.0); a rate budget's rate is below 1. maxErrors
        // cannot
        // tell them apart: errorBudget(Long.MAX_VALUE) has the rate budgets' maxErrors.
        return maxRate >= 1.0
            ? "error-budget(max " + maxErrors + " errors)"
            : "error-rate-budget(max " + maxRate + " after " + minRecords + " records)";
    }
  }
}
