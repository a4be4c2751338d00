package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * {@link CutPointCheck#withEndOfInput()} ends the input as a bounded job does: the final watermark,
 * then {@code endInput()} of an operator that is {@link BoundedOneInput}, so what such an operator
 * emits at the end (a buffer it flushes) is compared too, and one that loses that buffer at a
 * restore fails the check.
 */
class CutPointCheckEndOfInputTest {

  private static final HarnessInput<String> SCRIPT =
      HarnessInput.<String>builder()
          .element("a", 1)
          .element("b", 2)
          .element("a", 3)
          .element("c", 4)
          .build();

  /** Holds every record and emits them all at the end of its input. */
  static class FlushAtEnd extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<String, String>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    final boolean keepsBufferInState;
    transient List<String> buffer;
    transient ListState<String> stored;

    FlushAtEnd(boolean keepsBufferInState) {
      this.keepsBufferInState = keepsBufferInState;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
      super.initializeState(context);
      buffer = new ArrayList<>();
      stored =
          context
              .getOperatorStateStore()
              .getListState(new ListStateDescriptor<>("buffer", Types.STRING));
      if (keepsBufferInState && context.isRestored()) {
        stored.get().forEach(buffer::add);
      }
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
      super.snapshotState(context);
      stored.update(buffer);
    }

    @Override
    public void processElement(StreamRecord<String> element) {
      buffer.add(element.getValue());
    }

    @Override
    public void endInput() {
      for (String value : buffer) {
        output.collect(new StreamRecord<>(value));
      }
      buffer.clear();
    }
  }

  private static KeyedHarness<String, String, String> harness(boolean keepsBufferInState) {
    return KeyedHarness.forOperator(
        () -> new FlushAtEnd(keepsBufferInState), s -> s, Types.STRING, Types.STRING);
  }

  @Test
  void withEndOfInput_anOperatorKeepingItsBufferInState_passes() {
    CutPointCheck.of(harness(true), SCRIPT).withEndOfInput().verify();
  }

  @Test
  void withEndOfInput_anOperatorLosingItsBufferAtARestore_failsTheCheck() {
    assertThatThrownBy(() -> CutPointCheck.of(harness(false), SCRIPT).withEndOfInput().verify())
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("changed the output");
  }

  @Test
  void withEndOfInput_calledTwice_endsTheInputOnce() {
    CutPointCheck<String, String> once = CutPointCheck.of(harness(true), SCRIPT).withEndOfInput();

    assertThat(once.withEndOfInput().cutPoints()).isEqualTo(once.cutPoints()).hasSize(7);
  }
}
