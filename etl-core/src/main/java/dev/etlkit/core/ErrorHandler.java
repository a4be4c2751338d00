package dev.etlkit.core;

import dev.etlkit.core.internal.EventTimes;
import dev.etlkit.core.internal.TaskInterrupts;
import java.io.Serializable;
import java.util.Objects;
import javax.annotation.Nullable;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Applies a step's {@link ErrorPolicy} to a rejected record: builds its {@link DeadLetter} and
 * counts it, or throws an {@link EtlException} when the policy (or an exhausted budget) says the
 * job must fail. Obtain one from {@link StepContext#errorHandler}, keep it in the step's function
 * and call {@link #open(StepMetrics)} from the function's {@code open()}:
 *
 * <pre>{@code
 * ctx.output(DeadLetter.OUTPUT_TAG, errors.reject(e, record, ctx.timestamp(), position, now));
 * }</pre>
 *
 * <p>where {@code position} is the record's source position when it has one, as etlkit's own steps
 * pass it (so dead letters can be replayed from their source): a {@link Change}'s {@link
 * Change#sourcePosition()} as a decimal string, a {@link RawRecord}'s {@link RawRecord#source()};
 * otherwise null.
 *
 * <p>Never logs the record. Budgets count per subtask since it (re)started: the bad records this
 * handler rejected, out of the inputs of its operator (the {@code recordsIn} of the {@link
 * StepMetrics} it was opened with, plus the records it {@linkplain #passedOn() passed on}). An
 * error-rate budget is checked on every bad record and once more when the inputs reach {@code
 * minRecords}, so bad records that came before are not diluted by the good ones that follow.
 */
@PublicEvolving
public final class ErrorHandler implements Serializable {
  private static final long serialVersionUID = 1L;

  private final StepIdentity step;
  private final ErrorPolicy policy;
  private final int maxPayloadBytes;

  @Nullable private transient StepMetrics metrics;
  private transient long errors;
  private transient long passedOn;
  // A rate budget's check without a bad record, due when the inputs reach minRecords.
  private transient long checkAt;
  // The error of the last bad record before checkAt: the cause if that check fails.
  @Nullable private transient Throwable lastError;

  public ErrorHandler(StepIdentity step, ErrorPolicy policy) {
    this(step, policy, DeadLetter.DEFAULT_MAX_PAYLOAD_BYTES);
  }

  public ErrorHandler(StepIdentity step, ErrorPolicy policy, int maxPayloadBytes) {
    this.step = Objects.requireNonNull(step, "step");
    this.policy = Objects.requireNonNull(policy, "policy");
    this.maxPayloadBytes = DeadLetter.Builder.requireMaxPayloadBytes(maxPayloadBytes);
  }

  /**
   * Binds the handler to the operator's counters, whose {@code recordsIn} are its budget's inputs;
   * call once in {@code open()}.
   */
  public void open(StepMetrics stepMetrics) {
    this.metrics = Objects.requireNonNull(stepMetrics, "stepMetrics");
    this.errors = 0;
    this.passedOn = 0;
    this.lastError = null;
    this.checkAt = Long.MAX_VALUE;
    if (policy.kind() == ErrorPolicy.Kind.BUDGET && policy.minRecords() != Long.MAX_VALUE) {
      this.checkAt = policy.minRecords();
      stepMetrics.checkBudgetAt(this, checkAt);
    }
  }

  /**
   * Counts a record the operator passes on, unfinished, to another operator of the step that counts
   * it in: for a check in front of a {@code keyBy}, which sees every input of the step but counts
   * in only the records it finishes itself. Its budget's rate is then over every record it saw.
   * Allocation-free.
   */
  public void passedOn() {
    if (++passedOn + metrics.inCount() >= checkAt) {
      checkRate();
    } else if (checkAt != Long.MAX_VALUE) {
      // The inputs may now reach minRecords with fewer recordsIn: check there.
      metrics.checkBudgetsAt(checkAt - passedOn);
    }
  }

  /**
   * Checks a rate budget once its inputs reached {@code minRecords}; called by the step metrics
   * when their {@code recordsIn} reach the returned count (or later).
   *
   * @return the {@code recordsIn} count at which to call again, {@code Long.MAX_VALUE} for never
   * @throws EtlException if the rate is exceeded
   */
  long checkRate() {
    if (checkAt == Long.MAX_VALUE) {
      return Long.MAX_VALUE;
    }
    long inputs = inputs();
    if (inputs < checkAt) {
      return checkAt - passedOn;
    }
    checkAt = Long.MAX_VALUE;
    Throwable cause = lastError;
    lastError = null;
    if (policy.isExceeded(errors, inputs)) {
      throw new EtlException(
          step,
          "the "
              + policy
              + " is exhausted: "
              + errors
              + " bad records in the first "
              + inputs
              + " inputs (the last one: "
              + cause.getClass().getName()
              + ")",
          cause);
    }
    return Long.MAX_VALUE;
  }

  private long inputs() {
    return metrics.inCount() + passedOn;
  }

  public StepIdentity step() {
    return step;
  }

  public ErrorPolicy policy() {
    return policy;
  }

  /**
   * Rejects one record.
   *
   * @param error why the record was rejected
   * @param payload the record as received ({@code byte[]} kept as bytes, a {@link RawRecord} as its
   *     value's bytes (none for a tombstone), else as text)
   * @param eventTime its event time ({@code ctx.timestamp()}), if known; null or Flink's "no
   *     timestamp" marker {@code Long.MIN_VALUE} (what {@code ctx.timestamp()} gives for a record
   *     from a source without a timestamp assigner) for none: the dead letter then takes the
   *     record's own, a {@link Change}'s {@link Change#eventTime()} or a {@link RawRecord}'s {@link
   *     RawRecord#timestamp()} when {@code payload} is one, else null
   * @param sourcePosition where it came from, if known (see the class comment), else null
   * @param nowMillis the current processing time
   * @return the dead letter to emit on {@link DeadLetter#OUTPUT_TAG}
   * @throws EtlException when the policy fails the job, and when the task is being cancelled (not a
   *     bad record), after restoring the interrupt flag: {@code error} is or wraps an {@link
   *     InterruptedException}, or the thread's interrupt flag is set. Call it on the task thread;
   *     an {@code InterruptedException} of another thread (a client's I/O thread) is not the
   *     task's: reject its error as an exception of your own without it among the causes
   */
  public DeadLetter reject(
      Throwable error,
      @Nullable Object payload,
      @Nullable Long eventTime,
      @Nullable String sourcePosition,
      long nowMillis) {
    return reject(error, payload, eventTime, sourcePosition, nowMillis, 1);
  }

  /** Like {@link #reject(Throwable, Object, Long, String, long)} after {@code attempts} tries. */
  public DeadLetter reject(
      Throwable error,
      @Nullable Object payload,
      @Nullable Long eventTime,
      @Nullable String sourcePosition,
      long nowMillis,
      int attempts) {
    if (metrics == null) {
      throw new IllegalStateException("ErrorHandler of " + step + " used before open()");
    }
    if (TaskInterrupts.interrupted(error)) {
      // The task is being cancelled, not fed a bad record: keep the flag and let the task end.
      throw TaskInterrupts.failure(step, error);
    }
    errors++;
    if (policy.isExceeded(errors, inputs())) {
      throw new EtlException(step, failureMessage(error), error);
    }
    if (checkAt != Long.MAX_VALUE) {
      lastError = error;
    }
    metrics.deadLettered();
    DeadLetter.Builder letter =
        DeadLetter.builder()
            .step(step)
            .error(error)
            .eventTime(EventTimes.of(eventTime, payload))
            .sourcePosition(sourcePosition)
            .attempt(attempts)
            .rejectedAt(nowMillis);
    if (payload instanceof byte[]) {
      letter.payload((byte[]) payload, maxPayloadBytes);
    } else if (payload instanceof RawRecord) { // its toString() holds sizes only
      letter.payload(((RawRecord) payload).value(), maxPayloadBytes);
    } else {
      letter.payload(payload == null ? null : DeadLetter.Builder.textOf(payload), maxPayloadBytes);
    }
    return letter.build();
  }

  private String failureMessage(Throwable error) {
    String what = "record rejected (" + error.getClass().getName() + ")";
    switch (policy.kind()) {
      case FAIL:
        return what + " and the error policy is fail-job";
      default:
        return what + " and the " + policy + " is exhausted after " + errors + " bad records";
    }
  }
}
