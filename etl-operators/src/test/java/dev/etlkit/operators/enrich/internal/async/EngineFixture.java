package dev.etlkit.operators.enrich.internal.async;

import dev.etlkit.operators.enrich.Lookup;
import dev.etlkit.operators.enrich.LookupFallback;
import dev.etlkit.operators.enrich.LookupRetry;
import dev.etlkit.operators.enrich.LookupStatus;
import dev.etlkit.operators.enrich.ManualTimers;
import java.time.Duration;
import java.util.Random;
import java.util.function.Consumer;

/** An engine on a manual clock around a lookup, with settings changed from a plain default. */
final class EngineFixture {
  /** Step timeout 5 s, capacity 100, ordered, single-flight, no cache, no retry, dead letters. */
  static final LookupSettings PLAIN =
      LookupSettings.defaults(
          Duration.ofSeconds(5), 100, true, true, LookupRetry.none(), LookupFallback.deadLetter());

  final ManualTimers timers = new ManualTimers();
  final LookupMetrics metrics = LookupMetrics.unregistered();
  final LookupEngine<String, String> engine;

  EngineFixture(Lookup<String, String> lookup, Consumer<LookupSettings.Builder> settings) {
    this(lookup, settings, 42L);
  }

  EngineFixture(
      Lookup<String, String> lookup, Consumer<LookupSettings.Builder> settings, long seed) {
    this.engine =
        new LookupEngine<>(lookup, PLAIN.with(settings), timers, new Random(seed), metrics);
  }

  /** Probes the cache, else loads: what the async function does for one record. */
  RecordingWaiter request(String name, String key) {
    RecordingWaiter waiter = new RecordingWaiter(name);
    Object hit = engine.probe(key);
    if (hit != LookupEngine.NO_ENTRY && waiter.tryFinish()) {
      String value = (String) hit;
      waiter.deliver(value, value == null ? LookupStatus.MISS : LookupStatus.HIT, 0);
    } else {
      engine.load(key, waiter);
    }
    return waiter;
  }

  /** The step timeout of {@code waiter} fired (Flink's async operator calls this). */
  boolean stepTimeout(RecordingWaiter waiter) {
    return engine.timeout(waiter);
  }

  long count(String metric) {
    return metrics.count(metric);
  }

  void advanceMillis(long ms) {
    timers.advance(Duration.ofMillis(ms));
  }
}
