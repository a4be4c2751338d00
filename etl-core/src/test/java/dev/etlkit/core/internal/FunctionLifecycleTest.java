package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.AbstractRichFunction;
import org.junit.jupiter.api.Test;

class FunctionLifecycleTest {

  /** Records its close and then throws {@code failure}, if any. */
  private static final class Closing extends AbstractRichFunction {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final List<String> closed;
    private final Throwable failure;

    Closing(String name, List<String> closed, Throwable failure) {
      this.name = name;
      this.closed = closed;
      this.failure = failure;
    }

    @Override
    public void close() throws Exception {
      closed.add(name);
      if (failure instanceof Exception) {
        throw (Exception) failure;
      }
      if (failure instanceof Error) {
        throw (Error) failure;
      }
    }
  }

  @Test
  void closeAll_failingClose_closesTheLaterOnes_andThrowsTheFirstFailure() {
    List<String> closed = new ArrayList<>();
    IllegalStateException first = new IllegalStateException("first");
    IllegalStateException second = new IllegalStateException("second");

    assertThatThrownBy(
            () ->
                FunctionLifecycle.closeAll(
                    List.of(
                        new Closing("a", closed, first),
                        new Closing("b", closed, second),
                        new Closing("c", closed, null))))
        .isSameAs(first)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(second));
    assertThat(closed).containsExactly("a", "b", "c");
  }

  @Test
  void closeAll_closeThrowingAnError_closesTheLaterOnes_andThrowsTheError() {
    // A close() that meets a class the released user-code class loader no longer loads, on a
    // cancelled task: the later functions (a connection pool) must still be closed.
    List<String> closed = new ArrayList<>();
    NoClassDefFoundError error = new NoClassDefFoundError("com/example/Client$Closer");
    IllegalStateException later = new IllegalStateException("later");

    assertThatThrownBy(
            () ->
                FunctionLifecycle.closeAll(
                    List.of(
                        new Closing("a", closed, error),
                        new Closing("b", closed, later),
                        new Closing("c", closed, null))))
        .isSameAs(error)
        .satisfies(e -> assertThat(e.getSuppressed()).containsExactly(later));
    assertThat(closed).containsExactly("a", "b", "c");
  }
}
