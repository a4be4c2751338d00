package dev.etlkit.core;

import org.apache.flink.annotation.PublicEvolving;

/**
 * Thrown by a step when its {@link ErrorPolicy} says a bad record must fail the job. The message
 * names the step and the policy, never the record's payload; the original error is the cause.
 */
@PublicEvolving
public class EtlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final StepIdentity step;

  public EtlException(StepIdentity step, String message, Throwable cause) {
    super("[" + step + "] " + message, cause);
    this.step = step;
  }

  /** The step that failed. */
  public StepIdentity step() {
    return step;
  }
}
