package dev.etlkit.scd.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.StepIdentity;
import dev.etlkit.scd.Scd2Output;
import dev.etlkit.scd.internal.KeyCursorSerializer.OutputClass;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.util.StateMigrationException;
import org.junit.jupiter.api.Test;

/**
 * {@link OutputModeRefusal} explains only Flink's refusal of a cursor state of the other output
 * class, found in the cause chain by the restored serializer's name; every other failure passes
 * through as it is (the same object). The real backends' messages: {@code
 * Scd2OutputModeRestorePathsTest} (heap, RocksDB, ForSt, the changelog state backend).
 */
class OutputModeRefusalTest {

  private static final StepIdentity STEP =
      new StepIdentity("crm", "customer-dim", "crm/customer-dim");

  private static String serializer(OutputClass output) {
    return new KeyCursorSerializer<>(StringSerializer.INSTANCE, output).toString();
  }

  /** As Flink's heap backend words it, wrapped as the runtime context wraps it. */
  private static RuntimeException refused(OutputClass configured, OutputClass stored) {
    return new RuntimeException(
        "Error while getting state",
        new StateMigrationException(
            "For heap backends, the new state serializer ("
                + serializer(configured)
                + ") must not be incompatible with the old state serializer ("
                + serializer(stored)
                + ")."));
  }

  @Test
  void refusalOfTheOtherClass_isExplained_keepingTheFailureAsCause() {
    RuntimeException failure = refused(OutputClass.CHANGELOG, OutputClass.APPEND);

    RuntimeException explained = OutputModeRefusal.explain(failure, STEP, Scd2Output.UPSERT);

    assertThat(explained)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith(
            "SCD2 step 'crm/customer-dim' cannot restore its state with output UPSERT: it was"
                + " written with output APPEND.")
        .hasMessageContaining("Either restore with output APPEND")
        .hasCause(failure);
    assertThat(
            OutputModeRefusal.explain(
                refused(OutputClass.APPEND, OutputClass.CHANGELOG), STEP, Scd2Output.APPEND))
        .hasMessageContaining("with output APPEND: it was written with output RETRACT or UPSERT");
  }

  /** A refusal between serializers of the same class (the attribute type changed): as it is. */
  @Test
  void refusalWithinTheSameClass_passesThrough() {
    for (OutputClass output : OutputClass.values()) {
      RuntimeException failure = refused(output, output);
      Scd2Output mode = output == OutputClass.APPEND ? Scd2Output.APPEND : Scd2Output.RETRACT;

      assertThat(OutputModeRefusal.explain(failure, STEP, mode)).isSameAs(failure);
    }
  }

  /** A restored serializer of a snapshot that records no class is never taken for the other. */
  @Test
  void refusalOfASerializerWithoutClass_passesThrough() {
    RuntimeException failure =
        new RuntimeException(
            new StateMigrationException(
                "The new state serializer ("
                    + serializer(OutputClass.APPEND)
                    + ") must not be incompatible with the old state serializer ("
                    + new KeyCursorSerializer<>(StringSerializer.INSTANCE)
                    + ")."));

    assertThat(OutputModeRefusal.explain(failure, STEP, Scd2Output.APPEND)).isSameAs(failure);
  }

  /** Only Flink's StateMigrationException is read, and one without a message is no refusal. */
  @Test
  void otherFailures_passThrough() {
    RuntimeException notAMigration =
        new IllegalStateException("something else about " + serializer(OutputClass.APPEND));
    RuntimeException noMessage = new RuntimeException(new StateMigrationException((String) null));
    RuntimeException plain = new RuntimeException("Error while getting state");

    assertThat(OutputModeRefusal.explain(notAMigration, STEP, Scd2Output.RETRACT))
        .isSameAs(notAMigration);
    assertThat(OutputModeRefusal.explain(noMessage, STEP, Scd2Output.RETRACT)).isSameAs(noMessage);
    assertThat(OutputModeRefusal.explain(plain, STEP, Scd2Output.APPEND)).isSameAs(plain);
  }
}
