package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.StateBackend;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class StateTtlsTest {

  private static StateBackend backend(String name) {
    return name.equals("rocksdb") ? new EmbeddedRocksDBStateBackend() : new HashMapStateBackend();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"heap", "rocksdb"})
  void expiredKey_isTreatedAsNeverSeen(String backend) throws Exception {
    try (KeyedOneInputStreamOperatorTestHarness<String, String, String> h =
        new KeyedOneInputStreamOperatorTestHarness<>(
            new KeyedProcessOperator<>(
                new TestSteps.CountFunction<String>(Duration.ofMillis(1000))),
            new TestSteps.FirstWord(),
            Types.STRING)) {
      h.setStateBackend(backend(backend));
      NoKryo.disableGenericTypes(h.getExecutionConfig());
      h.open();

      h.setStateTtlProcessingTime(0);
      h.processElement("a", 0L);
      h.setStateTtlProcessingTime(900);
      h.processElement("a", 0L); // written at 900: expires at 1900
      h.setStateTtlProcessingTime(1800);
      h.processElement("a", 0L); // still alive
      h.setStateTtlProcessingTime(2801);
      h.processElement("a", 0L); // expired: counts from 1 again

      assertThat(h.extractOutputValues()).containsExactly("a=1", "a=2", "a=3", "a=1");
    }
  }

  @Test
  void config_usesProcessingTimeAndNeverReturnsExpired() {
    StateTtlConfig config = StateTtls.config(Duration.ofHours(1));

    assertThat(config.getTimeToLive()).isEqualTo(Duration.ofHours(1));
    assertThat(config.getUpdateType()).isEqualTo(StateTtlConfig.UpdateType.OnCreateAndWrite);
    assertThat(config.getStateVisibility())
        .isEqualTo(StateTtlConfig.StateVisibility.NeverReturnExpired);
    assertThat(config.getCleanupStrategies().inFullSnapshot()).isTrue();
    assertThat(config.getCleanupStrategies().inRocksdbCompactFilter()).isTrue();
    assertThat(config.getCleanupStrategies().getIncrementalCleanupStrategy()).isNotNull();
  }

  @Test
  void config_zero_failsNamingTheValue() {
    assertThatThrownBy(() -> StateTtls.config(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be positive, was PT0S");
  }

  @Test
  void config_belowOneMillisecond_failsNamingTheValue() {
    // Flink's StateTtlConfig would take it and fail the job when the state is created
    assertThatThrownBy(() -> StateTtls.config(Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("ttl must be at least 1 ms (counted in whole milliseconds), was PT0.0005S");
  }

  @Test
  void requireValidTtl_deleteRetention_messageDoesNotCallItAStateTtl() {
    // the same rule checks withDeleteRetention, which is not a state TTL
    assertThatThrownBy(
            () -> StateTtls.requireValidTtl(Duration.ofNanos(500_000), "deleteRetention"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "deleteRetention must be at least 1 ms (counted in whole milliseconds), was PT0.0005S");
    assertThatThrownBy(
            () -> StateTtls.requireValidTtl(Duration.ofNanos(1_500_000), "deleteRetention"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "deleteRetention must be a whole number of milliseconds (counted in whole"
                + " milliseconds), was PT0.0015S");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "PT-1S | stateTtl must be positive, was PT-1S",
        "PT0S | stateTtl must be positive, was PT0S",
        "PT0.000000001S | stateTtl must be at least 1 ms (counted in whole milliseconds),"
            + " was PT0.000000001S",
        "PT0.0015S | stateTtl must be a whole number of milliseconds (counted in whole"
            + " milliseconds), was PT0.0015S",
        "PT2562047788015H12M55.808S | stateTtl must be at most PT2562047788015H12M55.807S, was"
            + " PT2562047788015H12M55.808S"
      })
  void requireValidTtl_invalid_failsNamingTheOptionAndTheValue(Duration ttl, String message) {
    assertThatThrownBy(() -> StateTtls.requireValidTtl(ttl, "stateTtl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void requireValidTtl_null_fails() {
    assertThatThrownBy(() -> StateTtls.requireValidTtl(null, "stateTtl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateTtl must not be null");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"PT0.001S", "PT1.5S", "PT2562047788015H12M55.807S"})
  void requireValidTtl_wholeMilliseconds_returnsTheTtl(Duration ttl) {
    assertThat(StateTtls.requireValidTtl(ttl, "stateTtl")).isSameAs(ttl);
    assertThat(StateTtls.config(ttl).getTimeToLive()).isEqualTo(ttl);
  }

  @Test
  void requireValidTtlOrZero_zero_returnsIt_whileConfigStillRefusesIt() {
    assertThat(StateTtls.requireValidTtlOrZero(Duration.ZERO, "stateTtl")).isZero();
    assertThatThrownBy(() -> StateTtls.config(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "PT-1S | stateTtl must be zero (no TTL) or positive, was PT-1S",
        "PT-0.000000001S | stateTtl must be zero (no TTL) or positive, was PT-0.000000001S",
        "PT0.0005S | stateTtl must be at least 1 ms (counted in whole milliseconds), was"
            + " PT0.0005S",
        "PT0.0015S | stateTtl must be a whole number of milliseconds (counted in whole"
            + " milliseconds), was PT0.0015S"
      })
  void requireValidTtlOrZero_invalid_failsNamingTheOptionAndTheValue(Duration ttl, String message) {
    assertThatThrownBy(() -> StateTtls.requireValidTtlOrZero(ttl, "stateTtl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void requireValidTtlOrZero_null_fails() {
    assertThatThrownBy(() -> StateTtls.requireValidTtlOrZero(null, "stateTtl"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("stateTtl must not be null");
  }

  @Test
  void stateDeclaration_withTtlBelowOneMillisecond_fails() {
    StateDeclaration counts = StateDeclaration.value("counts", Types.LONG);

    assertThatThrownBy(() -> counts.withTtl(Duration.ofNanos(500_000)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("ttl must be at least 1 ms");
  }
}
