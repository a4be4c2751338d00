package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.testkit.SavepointCompatibility;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * The lookup step's only state is Flink's own: the records in flight, kept by the async operator as
 * operator list state ({@link Enrich#IN_FLIGHT_STATE}) and looked up again on restore. A committed
 * snapshot, taken with three records in flight, must keep restoring into today's step: a change of
 * the operator's state name or of the in-flight element format breaks this test.
 *
 * <p>Operator state does not depend on the keyed state backend, so there is one file. Write it
 * (once) with {@code ./mvnw -pl etl-operators test -Dtest=EnrichSavepointCompatibilityTest
 * -Detlkit.snapshots.write=true}.
 */
class EnrichSavepointCompatibilityTest {

  private static final Path FILE =
      SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY)
          .file("enrich-lookup-in-flight", 1, StateBackendKind.HEAP);

  /** Records are {@code orderId:customerId}; outputs {@code record=value/STATUS}. */
  private static Enrich.LookupStep<String, String, String, String> step(FakeLookup lookup) {
    return Enrich.lookup(
            "customer",
            (String order) -> order.substring(order.indexOf(':') + 1),
            lookup,
            (String order, String customer, LookupStatus status) ->
                order + "=" + customer + "/" + status,
            Types.STRING)
        .withRetry(LookupRetry.none());
  }

  @Test
  void storedSnapshot_withRecordsInFlight_restores_andLooksThemUpAgain() throws Exception {
    if (SavepointCompatibility.isWriting() && !Files.exists(FILE)) {
      FakeLookup unanswered = FakeLookup.manual();
      AsyncStepHarness<String, String> writer =
          new AsyncStepHarness<>(step(unanswered), StringSerializer.INSTANCE).open();
      writer.process("o1:c-1");
      writer.process("o2:c-2");
      writer.process("o3:c-1");
      Files.createDirectories(FILE.getParent());
      SnapshotFiles.write(FILE, writer.snapshot(1L));
    }
    assertThat(FILE).as("committed snapshot file; see the class Javadoc to write it").exists();
    OperatorSubtaskState stored = SnapshotFiles.read(FILE);

    FakeLookup lookup =
        FakeLookup.manual().answeringFromTable().put("c-1", "Anna").put("c-2", "Bea");
    AsyncStepHarness<String, String> restored =
        new AsyncStepHarness<>(step(lookup), StringSerializer.INSTANCE).restore(stored);
    restored.drain();

    assertThat(restored.outputs())
        .containsExactly("o1:c-1=Anna/LOADED", "o2:c-2=Bea/LOADED", "o3:c-1=Anna/LOADED");
    assertThat(lookup.calls()).extracting(FakeLookup.Call::key).containsOnly("c-1", "c-2");
  }
}
