package dev.etlkit.scd;

import static dev.etlkit.scd.Brief.customer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.Etl;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.lib.NumberSequenceSource.NumberSequenceSplit;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.windows.TimeWindow;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Append output forgotten by state TTL and delete retention, into an event-time tumbling window:
 * the rows the step's processing-time timers emit as they forget keys carry a record timestamp (the
 * effective time of the key's latest change), so the window takes them instead of failing the job
 * ("Record has Long.MIN_VALUE timestamp"), which before 2026-11-25 it did, again after every
 * restart, as the same timers fired again.
 *
 * <p>Ten keys are updated and ten deleted, a day later, all within the 10-day horizon, so no
 * version is final while the changes come: every row the window sees is emitted by a key being
 * forgotten. The source holds its last record (an update-before, which the step skips unread) until
 * every key is forgotten: at the end of input Flink drops processing-time timers not yet due. The
 * windows fire at the end of input (no watermarks before it).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Scd2ForgottenRowsWindowITCase {

  private static final int KEYS = 10;
  private static final Duration TTL = Duration.ofSeconds(2);
  private static final Duration DELETE_RETENTION = Duration.ofSeconds(1);
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  /** Each key updated (c) or deleted (d) on day 2; then the held update-before. */
  private static final List<Change<Customer>> CHANGES = changes();

  // the held source, its rate limiter and the counting map run in this JVM (local MiniCluster)
  private static final AtomicLong NEXT_INDEX = new AtomicLong();
  private static final AtomicInteger FORGOTTEN_ROWS = new AtomicInteger();
  private static volatile CompletableFuture<Void> release = new CompletableFuture<>();
  private static volatile CompletableFuture<Void> allForgotten = new CompletableFuture<>();

  private static List<Change<Customer>> changes() {
    List<Change<Customer>> changes = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      changes.add(Change.insert(customer("c" + k, "retail", "555", 1)));
      changes.add(Change.updateAfter(customer("c" + k, "vip", "555", 2)));
      changes.add(Change.insert(customer("d" + k, "retail", "555", 1)));
      changes.add(Change.delete(customer("d" + k, "retail", "555", 2)));
    }
    changes.add(Change.of(RowKind.UPDATE_BEFORE, customer("c0", "retail", "555", 1)));
    return changes;
  }

  @Test
  void appendRowsOfForgottenKeys_reachAnEventTimeWindow_andTheJobFinishes() throws Exception {
    NEXT_INDEX.set(0);
    FORGOTTEN_ROWS.set(0);
    release = new CompletableFuture<>();
    allForgotten = new CompletableFuture<>();
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);

    DataStream<String> windows =
        Etl.from(held(env), "customers")
            .apply(
                Scd2Test.customers()
                    .withOutput(Scd2Output.APPEND)
                    .withStateTtl(TTL)
                    .withDeleteRetention(DELETE_RETENTION))
            .toDataStream()
            .map(new CountForgotten(), Change.typeInfo(Scd2Row.typeInfo(Customer.TYPE)))
            .keyBy(change -> change.value().key(), Types.STRING)
            .window(TumblingEventTimeWindows.of(Duration.ofDays(1)))
            .process(new Describe(), Types.STRING);
    CloseableIterator<String> collected = windows.collectAsync();
    JobClient job = env.executeAsync("scd2-forgotten-rows-window");

    CompletableFuture.anyOf(allForgotten, job.getJobExecutionResult())
        .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
    assertThat(job.getJobExecutionResult())
        .as("the job runs while the source holds its last record")
        .isNotDone();
    release.complete(null);
    List<String> described = new ArrayList<>();
    try (collected) {
      collected.forEachRemaining(described::add);
    }
    job.getJobExecutionResult().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);

    List<String> expected = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      expected.add("+I c" + k + " v1 [d1,d2) in the window of d2");
      expected.add("+I d" + k + " v1 [d1,d2) in the window of d2");
    }
    assertThat(described).containsExactlyInAnyOrderElementsOf(expected);
  }

  /** The changes as fast as the job takes them, the last one held until {@link #release}. */
  private static DataStream<Change<Customer>> held(StreamExecutionEnvironment env) {
    return env.fromSource(
            new DataGeneratorSource<>(
                new Replay(), CHANGES.size(), new HoldLast(), Change.typeInfo(Customer.TYPE)),
            WatermarkStrategy.<Change<Customer>>noWatermarks()
                .withTimestampAssigner(
                    (change, previous) -> change.value().updatedAt().toEpochMilli()),
            "customers")
        .setParallelism(1);
  }

  private static final class Replay implements GeneratorFunction<Long, Change<Customer>> {
    private static final long serialVersionUID = 1L;

    private transient List<Change<Customer>> changes;

    @Override
    public void open(SourceReaderContext readerContext) {
      changes = changes();
    }

    @Override
    public Change<Customer> map(Long index) {
      NEXT_INDEX.set(index + 1);
      return changes.get(Math.toIntExact(index));
    }
  }

  private static final class HoldLast implements RateLimiterStrategy<NumberSequenceSplit> {
    private static final long serialVersionUID = 1L;

    @Override
    public RateLimiter<NumberSequenceSplit> createRateLimiter(int parallelism) {
      return permits ->
          NEXT_INDEX.get() == CHANGES.size() - 1
              ? release
              : CompletableFuture.<Void>completedFuture(null);
    }
  }

  /** Counts the step's rows; all keys' rows came once there is one per key. */
  private static final class CountForgotten
      implements MapFunction<Change<Scd2Row<Customer>>, Change<Scd2Row<Customer>>> {
    private static final long serialVersionUID = 1L;

    @Override
    public Change<Scd2Row<Customer>> map(Change<Scd2Row<Customer>> change) {
      if (FORGOTTEN_ROWS.incrementAndGet() == 2 * KEYS) {
        allForgotten.complete(null);
      }
      return change;
    }
  }

  /** Each row with the window it fell into. */
  private static final class Describe
      extends ProcessWindowFunction<Change<Scd2Row<Customer>>, String, String, TimeWindow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void process(
        String key,
        Context context,
        Iterable<Change<Scd2Row<Customer>>> rows,
        Collector<String> out) {
      int day =
          Instant.ofEpochMilli(context.window().getStart()).atZone(ZoneOffset.UTC).getDayOfMonth();
      for (Change<Scd2Row<Customer>> row : rows) {
        out.collect(Brief.brief(row).replace(" retail/555", "") + " in the window of d" + day);
      }
    }
  }
}
