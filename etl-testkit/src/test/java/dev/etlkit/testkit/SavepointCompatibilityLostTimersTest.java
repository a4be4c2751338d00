package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Path;
import javax.annotation.Nullable;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;
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

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_timerServiceDroppedAsDeclared_passes(StateBackendKind backend, @TempDir Path dir)
      throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);

    // tag::dropped-timer-services[]
    SavepointCompatibility droppingA = snapshots.withDroppedTimerServices("a");

    try (OperatorHarness<String, String> harness =
        droppingA.restore("timers", 1, Timers.harness("b").on(backend), STATE)) {
      harness.processElement("k1@250", 3);
      harness.processWatermark(300);
      assertThat(harness.output()).containsExactly("k1 event@250"); // the timers of "a" are gone
    }
    // end::dropped-timer-services[]
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_timerServiceDeclaredDroppedButCreated_failsAtClose(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);

    OperatorHarness<String, String> harness =
        snapshots
            .withDroppedTimerServices("a")
            .restore("timers", 1, Timers.harness("a").on(backend), STATE);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining(
            "created timer services declared dropped with withDroppedTimerServices: [a]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_droppedTimerServiceNotInTheFile_fails(StateBackendKind backend, @TempDir Path dir)
      throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);
    SavepointCompatibility dropping = snapshots.withDroppedTimerServices("a", "b");

    assertThatThrownBy(
            () -> dropping.restore("timers", 1, Timers.harness(null).on(backend), STATE).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "droppedTimerServices names [b], which are no timer services of "
                + snapshots.file("timers", 1, backend)
                + " (it holds [a])");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_keyedStateOfTheServicesNameKept_stillFailsNamingTheService(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    assumeFalse(SavepointCompatibility.isWriting());
    System.setProperty(SavepointCompatibility.WRITE_PROPERTY, "true");
    try {
      snapshots.restore("timers", 1, Timers.harness("a", "a").on(backend), STATE).close();
    } finally {
      System.clearProperty(SavepointCompatibility.WRITE_PROPERTY);
    }

    OperatorHarness<String, String> harness =
        snapshots.restore("timers", 1, Timers.harness(null, "a").on(backend), STATE);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds timer services the operator never created: [a]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void restore_stateAndTimerServiceBothLost_failsAtCloseNamingBoth(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    // A lost state was reported alone: the lost timer service showed only once it was mended.
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    assumeFalse(SavepointCompatibility.isWriting());
    System.setProperty(SavepointCompatibility.WRITE_PROPERTY, "true");
    try {
      snapshots.restore("timers", 1, Timers.harness("a", "s").on(backend), STATE).close();
    } finally {
      System.clearProperty(SavepointCompatibility.WRITE_PROPERTY);
    }

    OperatorHarness<String, String> harness =
        snapshots.restore("timers", 1, Timers.harness(null, null).on(backend), STATE);

    assertThatThrownBy(harness::close)
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("holds states the operator never registered: [s]")
        .hasMessageContaining("holds timer services the operator never created: [a]");
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void withDroppedStates_namingATimerService_failsTheRestore(
      StateBackendKind backend, @TempDir Path dir) throws Exception {
    SavepointCompatibility snapshots = SavepointCompatibility.in(dir);
    writeTimersFile(snapshots, backend);
    SavepointCompatibility dropping = snapshots.withDroppedStates("a");

    assertThatThrownBy(
            () -> dropping.restore("timers", 1, Timers.harness(null).on(backend), STATE).close())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("droppedStates names [a], which are no keyed or operator states");
  }

  @Test
  void withDroppedTimerServices_validatesNames() {
    SavepointCompatibility snapshots =
        SavepointCompatibility.in(SavepointCompatibility.DEFAULT_DIRECTORY);
    assertThatThrownBy(() -> snapshots.withDroppedTimerServices("a", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("droppedTimerServices must not hold an empty or null name, was [a, ]");
    assertThatThrownBy(() -> snapshots.withDroppedTimerServices("a", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("droppedTimerServices must not hold an empty or null name, was [a, null]");
    assertThatThrownBy(() -> snapshots.withDroppedTimerServices("a", "a"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("droppedTimerServices names 'a' twice");
    assertThat(snapshots.withDroppedTimerServices("b", "a").droppedTimerServices())
        .containsExactly("a", "b");
    assertThat(
            snapshots
                .withDroppedTimerServices("a")
                .withDroppedStates("count")
                .droppedTimerServices())
        .containsExactly("a");
    assertThat(snapshots.withDroppedStates("count").withDroppedTimerServices("a").droppedStates())
        .containsExactly("count");
    assertThat(
            snapshots
                .withDroppedTimerServices("a")
                .withDroppedTimerServices()
                .droppedTimerServices())
        .isEmpty();
    assertThat(snapshots.droppedTimerServices()).isEmpty();
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
   * dropped), and the element's count per key in a keyed state of the given name (none: no state);
   * emits {@code key event@time} and {@code key processing@time} when they fire.
   */
  static final class Timers extends AbstractStreamOperator<String>
      implements OneInputStreamOperator<String, String>, Triggerable<String, VoidNamespace> {
    private static final long serialVersionUID = 1L;

    @Nullable private final String service;
    @Nullable private final String state;
    private transient InternalTimerService<VoidNamespace> timers;
    private transient ValueState<Long> count;

    private Timers(@Nullable String service, @Nullable String state) {
      this.service = service;
      this.state = state;
    }

    static KeyedHarness<String, String, String> harness(@Nullable String service) {
      return harness(service, null);
    }

    static KeyedHarness<String, String, String> harness(
        @Nullable String service, @Nullable String state) {
      return KeyedHarness.forOperator(
          () -> new Timers(service, state), Timers::keyOf, Types.STRING, Types.STRING);
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
      if (state != null) {
        count = getRuntimeContext().getState(new ValueStateDescriptor<>(state, Types.LONG));
      }
    }

    @Override
    public void processElement(StreamRecord<String> element) throws Exception {
      if (count != null) {
        count.update(count.value() == null ? 1 : count.value() + 1);
      }
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
