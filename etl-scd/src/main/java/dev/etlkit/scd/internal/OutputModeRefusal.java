package dev.etlkit.scd.internal;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.internal.KeyCursorSerializer.OutputClass;
import org.apache.flink.util.StateMigrationException;

/**
 * Explains a restore Flink refused because the cursor state was written in a step of the other
 * output class ({@link OutputClass}: append, or a changelog). Flink's own message names only the
 * two serializers; this one names the step, both modes and what to do.
 */
final class OutputModeRefusal {
  private OutputModeRefusal() {}

  /**
   * The failure to register the cursor states of {@code step} with {@code output}, explained when
   * Flink refused a restored state of the other output class: its {@link StateMigrationException}
   * shows the restored serializer, whose {@link KeyCursorSerializer#toString()} names its class.
   * Any other failure is returned as it is.
   *
   * @param failure what registering the state threw
   * @param step the step
   * @param output the step's output mode
   * @return an {@link IllegalStateException} naming the step and both modes, with {@code failure}
   *     as its cause; or {@code failure}
   */
  static RuntimeException explain(RuntimeException failure, StepIdentity step, Scd2Output output) {
    OutputClass configured = OutputClass.of(output);
    OutputClass stored =
        configured == OutputClass.APPEND ? OutputClass.CHANGELOG : OutputClass.APPEND;
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      String message = cause.getMessage();
      if (cause instanceof StateMigrationException
          && message != null
          && message.contains(stored.serializerPrefix())) {
        return new IllegalStateException(message(step, output, stored), failure);
      }
    }
    return failure;
  }

  private static String message(StepIdentity step, Scd2Output output, OutputClass stored) {
    return "SCD2 step '"
        + step.uid()
        + "' cannot restore its state with output "
        + output
        + ": it was written with output "
        + stored.modes()
        + ". Append output holds back the closed versions that are not final yet and never emits"
        + " the current one, a retract or upsert changelog has emitted every version as it"
        + " changed: restored into the other, the step would write versions twice or never."
        + " Either restore with output "
        + stored.modes()
        + ", or give the step a new name and rebuild its history from the source"
        + " (SavepointCheck reports this as STATE_INCOMPATIBLE)";
  }
}
