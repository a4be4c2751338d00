package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.memory.MemCheckpointStreamFactory;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFinalizer;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFutures;
import org.junit.jupiter.api.Test;

/**
 * On the heap backend the step reuses the kept-change chunks a prune drops as later open chunks
 * (docs/scd2.md, Performance). A heap snapshot is written asynchronously, after the step went on,
 * from the state objects as they were when it was taken (the backend copies a value on its first
 * read after the snapshot): reuse must only touch chunks read through the state since.
 */
class Scd2HeapReuseTest {

  private static final Duration HORIZON = Duration.ofMillis(100);

  static Scd2Harnesses.Recipe<Change<Customer>, Customer> recipe() {
    return Scd2Harnesses.of(
        Scd2.trackChangelog("customers", Customer::id, EffectiveTime.field(Customer::updatedAt))
            .withChangeDetection(ChangeDetection.allExcept("updatedAt"))
            .withLatenessHorizon(HORIZON),
        Scd2Test.CHANGES);
  }

  /**
   * Three keys changing every few milliseconds (about 30 kept changes each per horizon and up to
   * three horizons kept, so sealed chunks of 32 are pruned and reused about once every 32 changes
   * of a key), one change in eight late within the horizon.
   */
  static List<Change<Customer>> changes(int count, long from, Random random) {
    List<Change<Customer>> changes = new ArrayList<>(count);
    long time = from;
    for (int i = 0; i < count; i++) {
      time += 1;
      long at = random.nextInt(8) == 0 ? time - random.nextInt((int) HORIZON.toMillis()) : time;
      String key = "c" + random.nextInt(3);
      String segment = "s" + random.nextInt(5);
      changes.add(Change.updateAfter(new Customer(key, segment, "555", Instant.ofEpochMilli(at))));
    }
    return changes;
  }

  @Test
  void heapSnapshotWrittenAfterTheStepWentOn_restoresTheStateWhenTaken() throws Exception {
    Random random = new Random(5);
    List<Change<Customer>> before = changes(3_000, 1_000, random);
    List<Change<Customer>> after = changes(3_000, 4_000, random);
    var recipe = recipe();
    List<String> original;
    OperatorSubtaskState state;
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> h =
        recipe.open(StateBackendKind.HEAP)) {
      for (Change<Customer> change : before) {
        h.processElement(change);
      }
      OperatorSnapshotFutures taken =
          h.unwrap()
              .getOperator()
              .snapshotState(
                  1L,
                  0L,
                  CheckpointOptions.forCheckpointWithDefaultLocation(),
                  new MemCheckpointStreamFactory(Integer.MAX_VALUE));
      h.clearOutput();
      for (Change<Customer> change : after) { // prunes, reusing chunks, before it is written
        h.processElement(change);
      }
      original = Scd2Harnesses.show(h.output());
      state = OperatorSnapshotFinalizer.create(taken).getJobManagerOwnedState();
    }
    try (OperatorHarness<Change<Customer>, Change<Scd2Row<Customer>>> restored =
        recipe.harness().on(StateBackendKind.HEAP).restore(state)) {
      for (Change<Customer> change : after) {
        restored.processElement(change);
      }
      assertThat(Scd2Harnesses.show(restored.output())).isEqualTo(original);
    }
    assertThat(original).hasSizeGreaterThan(after.size()); // versions were closed and opened
  }
}
