package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.checkpoint.ListCheckpointed;
import org.junit.jupiter.api.Test;

/** The build-time checks on user functions whose checkpoint hooks a step passes on, or cannot. */
class UserFunctionCheckpointsTest {

  static final class Checkpointed implements CheckpointedFunction {
    @Override
    public void snapshotState(FunctionSnapshotContext context) {}

    @Override
    public void initializeState(FunctionInitializationContext context) {}
  }

  static final class Listening implements CheckpointListener {
    @Override
    public void notifyCheckpointComplete(long checkpointId) {}
  }

  @SuppressWarnings("deprecation")
  static final class OldStyle implements ListCheckpointed<Long> {
    @Override
    public List<Long> snapshotState(long checkpointId, long timestamp) {
      return List.of();
    }

    @Override
    public void restoreState(List<Long> state) {}
  }

  private static final MapFunction<String, String> PLAIN = s -> s;

  /** Records the checkpoints it heard of, and throws for each if told to. */
  static final class Recording implements CheckpointListener {
    final List<String> heard = new ArrayList<>();
    private final boolean fails;

    Recording(boolean fails) {
      this.fails = fails;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      heard.add("complete " + checkpointId);
      if (fails) {
        throw new IllegalStateException("complete " + checkpointId + " failed");
      }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) {
      heard.add("aborted " + checkpointId);
      if (fails) {
        throw new IllegalStateException("aborted " + checkpointId + " failed");
      }
    }
  }

  @Test
  void aThrowingListener_doesNotKeepTheOthersFromHearing_theFirstFailureIsRethrown() {
    // As Flink's operator chain does: every listener is told, failures are collected.
    Recording first = new Recording(true);
    Recording second = new Recording(false);
    Recording third = new Recording(true);
    List<Object> functions = List.of(first, PLAIN, second, third);

    assertThatThrownBy(() -> UserFunctionCheckpoints.notifyCheckpointComplete(functions, 7))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("complete 7 failed")
        .satisfies(
            e ->
                assertThat(e.getSuppressed())
                    .singleElement()
                    .extracting(Throwable::getMessage)
                    .isEqualTo("complete 7 failed"));
    assertThatThrownBy(() -> UserFunctionCheckpoints.notifyCheckpointAborted(functions, 8))
        .hasMessage("aborted 8 failed")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));

    for (Recording listener : List.of(first, second, third)) {
      assertThat(listener.heard).containsExactly("complete 7", "aborted 8");
    }
  }

  @Test
  void requireNone_namesTheHookTheFunctionAndWhy() {
    for (Object function : List.of(new Checkpointed(), new Listening(), new OldStyle())) {
      String hook = function.getClass().getInterfaces()[0].getSimpleName();
      assertThatThrownBy(() -> UserFunctionCheckpoints.requireNone(function, "combiner", "why"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "the combiner ("
                  + function.getClass().getName()
                  + ") implements "
                  + hook
                  + ", which the step does not pass on: why");
    }
    assertThat(UserFunctionCheckpoints.requireNone(PLAIN, "combiner", "why")).isSameAs(PLAIN);
  }

  @Test
  void requireForwardable_rejectsOnlyListCheckpointed() {
    assertThatThrownBy(() -> UserFunctionCheckpoints.requireForwardable(new OldStyle(), "f"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("implements Flink's deprecated ListCheckpointed");
    Checkpointed checkpointed = new Checkpointed();
    assertThat(UserFunctionCheckpoints.requireForwardable(checkpointed, "f"))
        .isSameAs(checkpointed);
  }

  @Test
  void requireAtMostOneCheckpointed_oneIsFine_twoFail() {
    assertThatCode(
            () ->
                UserFunctionCheckpoints.requireAtMostOneCheckpointed(
                    List.of(PLAIN, new Checkpointed(), new Listening()), "step 's'"))
        .doesNotThrowAnyException();
    assertThatThrownBy(
            () ->
                UserFunctionCheckpoints.requireAtMostOneCheckpointed(
                    List.of(new Checkpointed(), PLAIN, new Checkpointed()), "step 's'"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("2 functions of step 's' implement CheckpointedFunction [");
  }
}
