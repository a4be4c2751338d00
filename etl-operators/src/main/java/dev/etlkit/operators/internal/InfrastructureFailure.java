package dev.etlkit.operators.internal;

import org.apache.flink.annotation.Internal;

/**
 * Thrown by a decoder when something other than the record failed (a schema registry that is down):
 * {@link DecodingFunction} fails the task with it, in an {@code EtlException} naming the step,
 * instead of dead-lettering the record. Its message must hold no secrets (it names exception
 * classes, not their messages); it carries no cause, and the stack trace of the underlying error.
 */
@Internal
public final class InfrastructureFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with {@code message} and the stack trace of {@code underlying}. */
  public InfrastructureFailure(String message, Throwable underlying) {
    super(message);
    setStackTrace(underlying.getStackTrace());
  }
}
