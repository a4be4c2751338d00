package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.core.Change;
import java.util.Arrays;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Records an operator emits outside any key (here its own output on a watermark) are recorded
 * without a key, not under the key of the element processed before, which differs between an
 * uninterrupted run, a restored one and the subtasks of a rescaled one: the checks compare them as
 * keyless records, in any order.
 */
class KeylessOutputTest {

  /** Counts records per key; on every watermark emits one record that belongs to no key. */
  static final class WatermarkAnnouncer extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<Change<String>, String> {
    private transient ValueState<Long> count;

    @Override
    public void open() throws Exception {
      super.open();
      count = getPartitionedState(new ValueStateDescriptor<>("count", Types.LONG));
    }

    @Override
    public void processElement(StreamRecord<Change<String>> element) throws Exception {
      long n = count.value() == null ? 1 : count.value() + 1;
      count.update(n);
      output.collect(new StreamRecord<>(getCurrentKey() + " n=" + n, element.getTimestamp()));
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
      output.collect(new StreamRecord<>("watermark " + mark.getTimestamp()));
      super.processWatermark(mark);
    }
  }

  private static KeyedHarness<String, Change<String>, String> announcer() {
    return KeyedHarness.forOperator(
        WatermarkAnnouncer::new, SampleCounter::keyOf, Types.STRING, Types.STRING);
  }

  private static HarnessInput<Change<String>> script() {
    HarnessInput.Builder<Change<String>> script = HarnessInput.<Change<String>>builder();
    script.watermark(5); // before any element
    for (int k = 0; k < 6; k++) {
      script.element(Change.insert("k" + k + "#v0"), 10 + k);
    }
    script.watermark(50);
    for (int k = 0; k < 6; k++) {
      script.element(Change.updateAfter("k" + k + "#v1"), 60 + k);
    }
    return script.watermark(100).build();
  }

  @Test
  void emittedKeys_areNullForRecordsEmittedOutsideAKey() throws Exception {
    try (OperatorHarness<Change<String>, String> harness = announcer().open()) {
      harness.processWatermark(5);
      harness.processElement(Change.insert("k1#v0"), 10);
      harness.processWatermark(50);

      assertThat(harness.output()).containsExactly("watermark 5", "k1 n=1", "watermark 50");
      assertThat(harness.emittedKeys()).isEqualTo(Arrays.asList(null, "k1", null));
    }
  }

  @Test
  void cutPointCheck_passesForACorrectOperatorWithKeylessOutput() {
    CutPointCheck.of(announcer(), script()).withPerKeyOrder().verify();
    CutPointCheck.of(announcer().on(StateBackendKind.ROCKSDB), script())
        .withSampledCutPoints(3, 1L)
        .verify();
  }

  @Test
  void rescaleCheck_comparesKeylessRecordsAsOneCollection() {
    // keyed output only: the keyless record of the watermark before any element is not repeated
    HarnessInput<Change<String>> keyedOutputOnly =
        HarnessInput.<Change<String>>builder()
            .element(Change.insert("k0#v0"), 10)
            .element(Change.insert("k1#v0"), 11)
            .element(Change.updateAfter("k0#v1"), 12)
            .element(Change.updateAfter("k2#v1"), 13)
            .build();
    RescaleCheck.of(announcer(), keyedOutputOnly).verify();

    // each subtask announces the watermark once: not the output of one subtask, and said so
    // under key null, not under whichever key the subtask processed last
    assertThatThrownBy(() -> RescaleCheck.of(announcer(), script()).verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("of key null");
  }
}
