package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FaultyLookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.ManualTimers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A lookup failing 20% of its calls, never answering 10%, and down completely for a while (seeded):
 * on the engine with Flink's step timeout simulated on the same manual clock. Every record is
 * either enriched (a value, a miss or a stale value) or dead-lettered, exactly once; no key is
 * called more often than the retry allows.
 */
class FaultInjectionTest {

  private static final int RECORDS = 3_000;
  private static final int MAX_ATTEMPTS = 4;
  private static final Duration STEP_TIMEOUT = Duration.ofMillis(600);

  @BeforeEach
  @AfterEach
  void resetCalls() {
    FaultyLookup.reset();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1L, 2L, 3L})
  void uniqueKeys_everyRecordEnrichedOrDeadLetteredOnce_attemptsPerKeyBounded(long seed) {
    Run run = run(seed, false, RECORDS);

    assertThat(run.answered()).isEqualTo(RECORDS);
    for (Map.Entry<String, AtomicInteger> calls : FaultyLookup.CALLS.entrySet()) {
      assertThat(calls.getValue().get()).as(calls.getKey()).isLessThanOrEqualTo(MAX_ATTEMPTS);
    }
    assertThat(run.tally).containsKeys("LOADED", "MISS", "dead-letter/IOException");
    assertThat(run.tally.get("LOADED")).isGreaterThan(RECORDS / 2);
    assertThat(run.fixture.engine.flightsInProgress()).isZero();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1L, 2L, 3L})
  void repeatedKeysWithCache_everyRecordEnrichedOrDeadLetteredOnce(long seed) {
    Run run = run(seed, true, RECORDS);

    assertThat(run.answered()).isEqualTo(RECORDS);
    assertThat(run.tally).containsKeys("LOADED", "HIT", "STALE");
    long loads = run.fixture.count(LookupMetrics.LOADS);
    long misses = run.fixture.count(LookupMetrics.CACHE_MISSES);
    assertThat(loads).isLessThanOrEqualTo((long) MAX_ATTEMPTS * misses);
    assertThat(run.fixture.engine.flightsInProgress()).isZero();
  }

  /** Feeds one record per ms, each timed out by "Flink" after the step timeout, then drains. */
  private static Run run(long seed, boolean repeatedKeysAndCache, int records) {
    ManualTimers[] timers = new ManualTimers[1];
    FaultyLookup lookup = new FaultyLookup(seed, 0.2, 0.1, 30, 1_000, 1_600);
    EngineFixture fixture =
        new EngineFixture(
            lookup,
            s -> {
              s.timeout = STEP_TIMEOUT;
              s.retry =
                  LookupRetry.attempts(MAX_ATTEMPTS)
                      .withBackoff(Duration.ofMillis(10), Duration.ofMillis(100))
                      .withAttemptTimeout(Duration.ofMillis(100));
              if (repeatedKeysAndCache) {
                s.cache =
                    LookupCache.maxEntries(1_000)
                        .withExpireAfterWrite(Duration.ofMillis(300))
                        .withStaleOnError(Duration.ofSeconds(10));
              }
            },
            seed);
    timers[0] = fixture.timers;
    lookup
        .on(
            new FaultyLookup.Clock() {
              @Override
              public long nowMillis() {
                return timers[0].nanoTime() / 1_000_000L;
              }

              @Override
              public void schedule(Runnable task, long delayMillis) {
                timers[0].schedule(task, delayMillis * 1_000_000L);
              }
            })
        .open(null);
    List<RecordingWaiter> waiting = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < records; i++) {
      String key = repeatedKeysAndCache ? "k" + (i * 7919 % 200) : "k" + i;
      RecordingWaiter record = fixture.request("r" + i, key);
      waiting.add(record);
      keys.add(key);
      fixture.timers.schedule(() -> fixture.stepTimeout(record), STEP_TIMEOUT.toNanos());
      fixture.advanceMillis(1);
    }
    fixture.advanceMillis(60_000);

    Map<String, Integer> tally = new TreeMap<>();
    for (int i = 0; i < waiting.size(); i++) {
      RecordingWaiter record = waiting.get(i);
      String answer = record.answer(); // throws if answered twice
      assertThat(answer).as(record.name + " was never answered").isNotNull();
      assertThat(record.attempts).as(record.name).isBetween(0, MAX_ATTEMPTS);
      if (answer.startsWith("dead-letter/")) {
        tally.merge(answer, 1, Integer::sum);
      } else {
        tally.merge(record.status.name(), 1, Integer::sum);
        if (record.value != null) {
          assertThat(record.value).isEqualTo(FaultyLookup.valueOf(keys.get(i)));
        }
      }
    }
    return new Run(fixture, tally);
  }

  private record Run(EngineFixture fixture, Map<String, Integer> tally) {
    int answered() {
      return tally.values().stream().mapToInt(Integer::intValue).sum();
    }
  }
}
