package dev.etlkit.operators.internal;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.core.internal.TaskInterrupts;
import javax.annotation.Nullable;
import org.apache.flink.annotation.Internal;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The user's key function of a step that writes {@code RawRecord}s ({@code
 * Json.write(...).asRawRecords}, {@code Avro.encode(...).asRawRecords}), applied to one record. An
 * exception of the key function is the record's failure, which the step builds from a message
 * naming the record type and the exception's class only ({@code cannot compute the key of Order
 * (java.lang.IllegalStateException)}): the exception's message may quote the record. One that means
 * the task is being cancelled ({@link TaskInterrupts}) fails the task instead, which the class-only
 * failure would hide; an {@code Error} passes as it is.
 *
 * @param <T> the record type
 * @param <E> the step's exception for a record it cannot write
 */
@Internal
public final class RawRecordKeys<T, E extends Exception> {

  /** Makes the step's exception for a record whose key cannot be computed. */
  @FunctionalInterface
  public interface Failure<E extends Exception> {
    E of(String message);
  }

  private final KeySelector<T, byte[]> key;
  private final String recordType;
  private final StepIdentity step;
  private final Failure<E> failure;

  /**
   * @param recordType the record type's name for the failure's message
   * @param step the step to fail the task for when the key function was interrupted
   */
  public RawRecordKeys(
      KeySelector<T, byte[]> key, String recordType, StepIdentity step, Failure<E> failure) {
    this.key = key;
    this.recordType = recordType;
    this.step = step;
    this.failure = failure;
  }

  /** The key of {@code value}; null for none. */
  @Nullable
  public byte[] of(T value) throws E {
    try {
      return key.getKey(value);
    } catch (Exception e) {
      if (TaskInterrupts.interrupted(e)) {
        throw TaskInterrupts.failure(step, e);
      }
      throw failure.of(
          "cannot compute the key of " + recordType + " (" + e.getClass().getName() + ")");
    }
  }
}
