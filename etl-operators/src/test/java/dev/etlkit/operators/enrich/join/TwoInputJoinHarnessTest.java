package dev.etlkit.operators.enrich.join;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.testkit.SnapshotFiles;
import dev.etlkit.testkit.StateBackendKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The production two-input operator in Flink's {@link KeyedTwoInputStreamOperatorTestHarness}, on
 * heap and RocksDB, with generic types disabled: facts on input 1, dimension changes on input 2,
 * watermarks per input. It restores its own snapshots and the committed snapshot files written
 * through the one-input face of {@code KeyedHarness.forTwoInputStream} that the other tests use.
 */
class TwoInputJoinHarnessTest {

  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void latest_factsAndChangesOnTwoInputs_joinedAndRestored(StateBackendKind backend)
      throws Exception {
    JoinMode mode = DimensionJoinSavepointCompatibilityTest.LATEST;
    OperatorSubtaskState state;
    List<String> lines = new ArrayList<>();
    try (var h = open(mode, backend, null)) {
      h.processElement2(new StreamRecord<>(Change.insert("k1#v1"), 1));
      h.processElement1(new StreamRecord<>("k1#o1", 10));
      h.processElement1(new StreamRecord<>("k2#o2", 11)); // waits
      state = h.snapshot(1L, 0L);
      lines.addAll(lines(h));
    }
    try (var h = open(mode, backend, state)) {
      h.processElement2(new StreamRecord<>(Change.insert("k2#v1"), 2));
      lines.addAll(lines(h));
    }

    assertThat(lines).containsExactly("FOUND k1#o1 k1#v1 @10", "FOUND_AFTER_WAIT k2#o2 k2#v1 @11");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void asOf_joinsWhenBothInputsWatermarksPass(StateBackendKind backend) throws Exception {
    JoinMode mode = DimensionJoinSavepointCompatibilityTest.AS_OF;
    try (var h = open(mode, backend, null)) {
      h.processElement2(new StreamRecord<>(Change.insert("k1#v1"), 10));
      h.processElement1(new StreamRecord<>("k1#o1", 20));
      h.processWatermark1(new Watermark(30));
      assertThat(lines(h)).isEmpty(); // the dimension input's watermark holds it back

      h.processWatermark2(new Watermark(25));

      assertThat(lines(h)).containsExactly("FOUND k1#o1 k1#v1 @20", "watermark 15");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void storedSnapshots_restoreIntoTheTwoInputOperator(StateBackendKind backend) throws Exception {
    try (var h =
        open(DimensionJoinSavepointCompatibilityTest.LATEST, backend, stored("latest", backend))) {
      h.processElement1(new StreamRecord<>("k1#o3", 11));
      h.processElement2(new StreamRecord<>(Change.insert("k3#v1"), 5));

      assertThat(lines(h))
          .containsExactly(
              "FOUND k1#o3 k1#v2 @11",
              "FOUND_AFTER_WAIT k3#o1 k3#v1 @10",
              "FOUND_AFTER_WAIT k3#o2 k3#v1");
    }
    try (var h =
        open(DimensionJoinSavepointCompatibilityTest.AS_OF, backend, stored("as-of", backend))) {
      h.processElement1(new StreamRecord<>("k1#o4", 16)); // late: the watermark 22 was restored
      h.processBothWatermarks(new Watermark(30));

      assertThat(lines(h))
          .containsExactly(
              "DL DimensionJoinException:LATE k1#o4 @16",
              "TIMED_OUT k2#o2 @15",
              "FOUND k1#o1 k1#v2 @30",
              "watermark 20");
    }
  }

  private static OperatorSubtaskState stored(String variant, StateBackendKind backend)
      throws Exception {
    Path file =
        DimensionJoinSavepointCompatibilityTest.SNAPSHOTS.file(
            "dimension-join-" + variant, 1, backend);
    assertThat(file).exists();
    return SnapshotFiles.read(file);
  }

  private KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String> open(
      JoinMode mode, StateBackendKind backend, @Nullable OperatorSubtaskState state)
      throws Exception {
    var harness =
        mode.expanded().twoInputHarness(backend, Files.createTempDirectory(tmp, "rocksdb"), state);
    harness.open();
    return harness;
  }

  /** Main output, dead letters and watermarks as lines; clears the harness's queues. */
  private static List<String> lines(
      KeyedTwoInputStreamOperatorTestHarness<Object, String, Change<String>, String> harness) {
    List<String> lines = new ArrayList<>();
    var letters = harness.getSideOutput(DeadLetter.OUTPUT_TAG);
    if (letters != null) {
      for (StreamRecord<DeadLetter> r : letters) {
        DeadLetter l = r.getValue();
        lines.add(
            JoinHarness.deadLetterLine(l.errorClass(), l.errorMessage(), l.payloadAsText())
                + (r.hasTimestamp() ? " @" + r.getTimestamp() : ""));
      }
      letters.clear();
    }
    for (Object o : harness.getOutput()) {
      if (o instanceof StreamRecord<?> r) {
        lines.add(r.getValue() + (r.hasTimestamp() ? " @" + r.getTimestamp() : ""));
      } else if (o instanceof Watermark w) {
        lines.add("watermark " + w.getTimestamp());
      }
    }
    harness.getOutput().clear();
    return lines;
  }
}
