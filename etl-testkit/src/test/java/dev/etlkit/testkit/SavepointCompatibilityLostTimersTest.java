package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import javax.annotation.Nullable;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Timers of the snapshot file in a timer service that today's operator no longer creates (it
 * renamed the service, or stopped using timers): Flink restores the timers into the backend, but
 * only a service the operator asks for fires them, so they are lost silently and every later
 * savepoint carries them along. {@link SavepointCompatibility#restore}'s harness fails when it
 * closes, naming the service.
 */
class SavepointCompatibilityLostTimersTest {

  /** One event-time and one processing-time timer per key, in timer service "a". */
  private static final HarnessInput<String> STATE =
      HarnessInput.<String>builder().element("k1@100", 1).element("k2@200", 2).build();

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_timerServiceKept_firesTheRestoredTimersAndPasses(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);

    try (OperatorHarness<String, String> harness =
        snapshots.restore("timers", 1, Timers.harness("a").on(backend), STATE)) {
      harness.processWatermark(300);
      harness.advanceProcessingTime(300);

      assertThat(harness.output())
          .containsExactly(
              "k1 event@100", "k2 event@200", "k1 processing@100", "k2 processing@200");
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_timerServiceRenamed_failsAtCloseNamingTheOldService(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);

    OperatorHarness<String, String> harness =
        snapshots.restore("timers", 1, Timers.harness("b").on(backend), STATE);
    harness.processWatermark(300);
    harness.advanceProcessingTime(300);

    assertThat(harness.output()).isEmpty(); // the timers of "a" never fire: lost, silently
    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            snapshots.file("timers", 1, backend)
                + " holds timer services the operator never created: [a]")
        .hasMessageNotContaining("[a, b]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_timersNoLongerUsed_failsAtCloseNamingTheService(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);

    OperatorHarness<String, String> harness =
        snapshots.restore("timers", 1, Timers.harness(null).on(backend), STATE);
    harness.processElement("k1@50", 3);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds timer services the operator never created: [a]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_timerServiceRenamedUnderTheStateChangelog_failsAtClose(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);

    OperatorHarness<String, String> harness =
        snapshots.restore("timers", 1, Timers.harness("b").on(backend).withStateChangelog(), STATE);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds timer services the operator never created: [a]");
  }

  /** Writes timers-v1-{@code backend}: timers of service "a" for keys k1 (at 100) and k2 (200). */
  static void writeTimersFile(SavepointCompatibility snapshots, StateBackendKind backend)
      throws Exception {
    assumeFalse(SavepointCompatibility.isWriting());
    System.setProperty(SavepointCompatibility.WRITE_PROPERTY, "true");
    try {
      snapshots.restore("timers", 1, Timers.harness("a").on(backend), STATE).close();
    } finally {
      System.clearProperty(SavepointCompatibility.WRITE_PROPERTY);
    }
  }

  /**
   * For each element {@code key@time}, an event-time and a processing-time timer at {@code time}
   * for {@code key}, in the timer service of the given name (none: no timers, the element is
   * dropped); emits {@code key event@time} and {@code key processing@time} when they fire.
   */
  static final class Timers extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<String, String>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    @Nullable private final String service;
    private transient InternalTimerService<VoidNamespace> timers;

    private Timers(@Nullable String service) {
      this.service = service;
    }

    static KeyedHarness<String, String, String> harness(@Nullable String service) {
      return KeyedHarness.forOperator(
          () -> new Timers(service), Timers::keyOf, Types.STRING, Types.STRING);
    }

    static String keyOf(String element) {
      return element.substring(0, element.indexOf('@'));
    }

    @Override
    public void open() throws Exception {
      super.open();
      if (service != null) {
        timers = getInternalTimerService(service, VoidNamespaceSerializer.INSTANCE, this);
      }
    }

    @Override
    public void processElement(StreamRecord<String> element) {
      if (timers != null) {
        String value = element.getValue();
        long time = Long.parseLong(value.substring(value.indexOf('@') + 1));
        timers.registerEventTimeTimer(VoidNamespace.INSTANCE, time);
        timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, time);
      }
    }

    @Override
    public void onEventTime(InternalTimer<String, VoidNamespace> timer) {
      output.collect(new StreamRecord<>(timer.getKey() + " event@" + timer.getTimestamp()));
    }

    @Override
    public void onProcessingTime(InternalTimer<String, VoidNamespace> timer) {
      output.collect(new StreamRecord<>(timer.getKey() + " processing@" + timer.getTimestamp()));
    }
  }
}
