package dev.etlkit.operators.enrich.internal.async;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.operators.enrich.FakeLookup;
import dev.etlkit.operators.enrich.LookupCache;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Random interleavings of records, replies, failures, attempt timeouts, step timeouts and retries:
 * whatever the order, every record is answered exactly once, never after more attempts than
 * allowed, and no load, attempt timeout or timer is left behind.
 */
class EngineRacesPropertyTest {

  /** One event of a script. */
  sealed interface Event {}

  /** A record of key {@code key} arrives. */
  record Arrive(int key) implements Event {}

  /** The open call number {@code call} (modulo the open calls) replies. */
  record Reply(int call, int kind) implements Event {}

  /** The clock moves. */
  record Advance(int millis) implements Event {}

  /** The step timeout of record number {@code record} (modulo the records) fires. */
  record StepTimeout(int record) implements Event {}

  @Property(tries = 300)
  void anyInterleaving_answersEveryRecordExactlyOnce(
      @ForAll("scripts") List<Event> script,
      @ForAll boolean cache,
      @ForAll boolean singleFlight,
      @ForAll @IntRange(min = 1, max = 4) int maxAttempts,
      @ForAll @IntRange(min = 0, max = 2) int fallback) {
    FakeLookup lookup = FakeLookup.manual();
    EngineFixture f =
        new EngineFixture(
            lookup,
            s -> {
              s.timeout = Duration.ofMillis(400);
              s.singleFlight = singleFlight;
              s.retry =
                  LookupRetry.attempts(maxAttempts)
                      .withBackoff(Duration.ofMillis(20), Duration.ofMillis(80))
                      .withAttemptTimeout(Duration.ofMillis(150));
              s.fallback =
                  fallback == 0
                      ? LookupFallback.deadLetter()
                      : fallback == 1
                          ? LookupFallback.passThrough()
                          : LookupFallback.useDefault("d");
              s.cache =
                  cache
                      ? LookupCache.maxEntries(10)
                          .withExpireAfterWrite(Duration.ofMillis(300))
                          .withStaleOnError(Duration.ofMillis(300))
                      : null;
            });
    List<RecordingWaiter> records = new ArrayList<>();
    for (Event event : script) {
      if (event instanceof Arrive a) {
        records.add(f.request("r" + records.size(), "k" + a.key()));
      } else if (event instanceof Reply r) {
        List<FakeLookup.Call> open = lookup.openCalls();
        if (!open.isEmpty()) {
          FakeLookup.Call call = open.get(r.call() % open.size());
          switch (r.kind()) {
            case 0 -> call.reply("v-" + call.key());
            case 1 -> call.reply(null);
            default -> call.fail(new IOException("down"));
          }
        }
      } else if (event instanceof Advance a) {
        f.advanceMillis(a.millis());
      } else if (event instanceof StepTimeout t && !records.isEmpty()) {
        f.stepTimeout(records.get(t.record() % records.size()));
      }
    }
    // Flink times out every record still waiting; calls still open reply late.
    for (RecordingWaiter record : records) {
      f.stepTimeout(record);
    }
    for (FakeLookup.Call call : lookup.openCalls()) {
      call.reply("late");
    }
    f.advanceMillis(10_000);

    for (RecordingWaiter record : records) {
      assertThat(record.answers()).as(record.name).hasSize(1);
      assertThat(record.attempts).as(record.name).isBetween(0, maxAttempts);
    }
    assertThat(f.engine.flightsInProgress()).isZero();
    assertThat(f.engine.attemptTimeoutsArmed()).isZero();
    assertThat(f.timers.pendingTasks()).isZero();
  }

  @Provide
  Arbitrary<List<Event>> scripts() {
    Arbitrary<Event> arrive = Arbitraries.integers().between(0, 3).map(Arrive::new);
    Arbitrary<Event> reply =
        Combinators.combine(
                Arbitraries.integers().between(0, 20), Arbitraries.integers().between(0, 2))
            .as(Reply::new);
    Arbitrary<Event> advance = Arbitraries.integers().between(0, 200).map(Advance::new);
    Arbitrary<Event> timeout = Arbitraries.integers().between(0, 50).map(StepTimeout::new);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(4, arrive),
            net.jqwik.api.Tuple.of(3, reply),
            net.jqwik.api.Tuple.of(3, advance),
            net.jqwik.api.Tuple.of(1, timeout))
        .list()
        .ofMinSize(1)
        .ofMaxSize(60);
  }
}
