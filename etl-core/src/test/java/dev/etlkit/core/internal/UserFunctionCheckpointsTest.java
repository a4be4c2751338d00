package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
