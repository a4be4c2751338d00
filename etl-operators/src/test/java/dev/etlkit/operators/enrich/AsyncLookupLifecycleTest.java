package dev.etlkit.operators.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The lookup step's async function across a task's life when things go wrong: a lookup whose {@code
 * open} fails half-way, a lookup whose {@code close} fails, a task that fails before the step
 * opens. Flink calls {@code close} in every case.
 */
class AsyncLookupLifecycleTest {

  private static AsyncStepHarness<String, String> harness(Lookup<String, String> lookup)
      throws Exception {
    return new AsyncStepHarness<>(
        Enrich.lookup(
            "customer",
            (String order) -> order,
            lookup,
            (String order, String customer, LookupStatus status) -> order + "=" + customer,
            Types.STRING),
        StringSerializer.INSTANCE);
  }

  @Test
  void open_failingInTheLookup_throwsItsException_andCloseClosesTheLookupOnce() throws Exception {
    Recording lookup = new Recording(new IllegalStateException("pool cannot connect"), null);
    AsyncStepHarness<String, String> h = harness(lookup);

    assertThatThrownBy(h::open).hasMessage("pool cannot connect");
    h.harness.close();

    assertThat(lookup.opened).isEqualTo(1);
    assertThat(lookup.closed).isEqualTo(1);
  }

  @Test
  void close_failingInTheLookup_throwsItsException_onlyOnce() throws Exception {
    Recording lookup = new Recording(null, new IllegalStateException("pool did not close"));
    AsyncStepHarness<String, String> h = harness(lookup).open();

    assertThatThrownBy(h.harness::close).hasMessage("pool did not close");

    assertThat(lookup.closed).isEqualTo(1);
  }

  @Test
  void close_withoutOpen_leavesTheLookupAlone() throws Exception {
    Recording lookup = new Recording(null, null);
    AsyncStepHarness<String, String> h = harness(lookup);

    h.harness.close();

    assertThat(lookup.opened).isZero();
    assertThat(lookup.closed).isZero();
  }

  /** Counts opens and closes; throws the given exceptions from them. */
  private static final class Recording implements Lookup<String, String> {
    private final RuntimeException onOpen;
    private final RuntimeException onClose;
    int opened;
    int closed;

    Recording(RuntimeException onOpen, RuntimeException onClose) {
      this.onOpen = onOpen;
      this.onClose = onClose;
    }

    @Override
    public void open(LookupContext context) {
      opened++;
      if (onOpen != null) {
        throw onOpen;
      }
    }

    @Override
    public CompletableFuture<Optional<String>> lookup(String key) {
      return CompletableFuture.completedFuture(Optional.of(key));
    }

    @Override
    public void close() {
      closed++;
      if (onClose != null) {
        throw onClose;
      }
    }
  }
}
