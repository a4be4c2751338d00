package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.RowKind;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Found on 2026-11-25, after the key checks of etl-operators learnt to stop records their shuffle
 * cannot write: the SCD2 step ships every change over its {@code keyBy} unchecked, so a change
 * whose row holds a Flink tuple with a {@code null} field whose serializer refuses {@code null} (a
 * {@code Long}; a {@code String} field writes its {@code null}), at top level or inside a POJO,
 * record or row, failed the job at the network serializer of the shuffle ({@code
 * NullFieldException}), after every restart again. Now such a change is a dead letter of the step
 * before the shuffle, naming the field's path, a {@code -U} the step skips unread is filtered, and
 * the other changes make the history they made before.
 */
@Timeout(120)
class Scd2RecordValueITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /** A price whose serializer cannot write a {@code null} in {@code amount.f1}. */
  public record Price(String id, Instant at, Tuple2<String, Long> amount) {
    @Override
    public String toString() {
      return amount.toString();
    }
  }

  static final TypeInformation<Price> PRICE = TypeInformation.of(Price.class);

  private static final String MESSAGE =
      "record field amount.f1 is null, which Flink's tuple serializer cannot write";

  @Test
  void trackChangelog_changeOfARecordHoldingATupleWithANullLong_deadLetteredWithItsPath()
      throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<Change<Price>> changes =
        made(
            env,
            List.of(
                "+I:p1:1000:EUR:5",
                "+I:p2:1000:EUR:null",
                "+U:p1:2000:EUR:6",
                // skipped unread by the step: filtered, as any -U
                "-U:p1:2000:EUR:null",
                // a null String in a tuple is written: it crosses the shuffle as it did before
                "+I:p3:1000:null:7"),
            Scd2RecordValueITCase::change,
            Change.typeInfo(PRICE));
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Change<Scd2Row<Price>>> history =
        pipeline
            .from(changes)
            .apply(
                Scd2.trackChangelog("prices", Price::id, EffectiveTime.field((Price p) -> p.at())));
    CloseableIterator<Change<Scd2Row<Price>>> output = history.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("scd2-record-values");

    assertThat(versions(drain(output)))
        .containsExactly(
            "p1 v1 [1970-01-01T00:00:01Z, 1970-01-01T00:00:02Z) (EUR,5)",
            "p1 v2 [1970-01-01T00:00:02Z, null) current (EUR,6)",
            "p3 v1 [1970-01-01T00:00:01Z, null) current (null,7)");
    List<DeadLetter> letters = drain(deadLetters);
    assertThat(letters)
        .extracting(l -> l.uid() + " " + l.errorClass() + ": " + l.errorMessage())
        .containsExactly("pay/prices java.lang.IllegalArgumentException: " + MESSAGE);
    // the change's own event time and source position, as the step's other dead letters
    assertThat(letters.get(0).eventTime()).isEqualTo(1000L);
    assertThat(letters.get(0).sourcePosition()).isEqualTo("2");
    RecordAccounting accounting = RecordAccounting.of(result);
    RecordAccounting.StepCounts step = accounting.step("pay", "prices");
    assertThat(List.of(step.in(), step.out(), step.filtered(), step.deadLettered()))
        .as(step.toString())
        .containsExactly(5L, 3L, 1L, 1L);
    assertThat(accounting.isBalanced()).as(accounting.toString()).isTrue();
  }

  @Test
  void trackRows_topLevelTupleWithANullLong_deadLetteredWithItsPath() throws Exception {
    StreamExecutionEnvironment env = environment();
    TypeInformation<Tuple3<String, Long, Long>> type =
        Types.TUPLE(Types.STRING, Types.LONG, Types.LONG);
    DataStream<Tuple3<String, Long, Long>> rows =
        made(
            env,
            List.of("k1:1000:1", "k2:1000:null", "k3:1000:3"),
            s -> {
              String[] parts = s.split(":");
              return Tuple3.of(parts[0], Long.valueOf(parts[1]), longOrNull(parts[2]));
            },
            type);
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Change<Scd2Row<Tuple3<String, Long, Long>>>> history =
        pipeline
            .from(rows)
            .apply(
                Scd2.trackRows(
                    "rows",
                    (Tuple3<String, Long, Long> t) -> t.f0,
                    EffectiveTime.field(
                        (Tuple3<String, Long, Long> t) -> Instant.ofEpochMilli(t.f1))));
    CloseableIterator<Change<Scd2Row<Tuple3<String, Long, Long>>>> output =
        history.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("scd2-tuple-rows");

    assertThat(versions(drain(output)))
        .containsExactly(
            "k1 v1 [1970-01-01T00:00:01Z, null) current (k1,1000,1)",
            "k3 v1 [1970-01-01T00:00:01Z, null) current (k3,1000,3)");
    assertThat(drain(deadLetters))
        .extracting(l -> l.uid() + " " + l.errorClass() + ": " + l.errorMessage())
        .containsExactly(
            "pay/rows java.lang.IllegalArgumentException: record field f2 is null, which"
                + " Flink's tuple serializer cannot write");
    assertThat(RecordAccounting.of(result).isBalanced()).isTrue();
  }

  /**
   * {@code "+U:p1:2000:EUR:6"}: kind, id, effective millis (also the change's event time), currency
   * and amount (either may be {@code "null"}); the source position is the id's number.
   */
  static Change<Price> change(String spec) {
    String[] parts = spec.split(":");
    long at = Long.parseLong(parts[2]);
    Price price =
        new Price(
            parts[1],
            Instant.ofEpochMilli(at),
            Tuple2.of(parts[3].equals("null") ? null : parts[3], longOrNull(parts[4])));
    RowKind kind =
        switch (parts[0]) {
          case "+I" -> RowKind.INSERT;
          case "-U" -> RowKind.UPDATE_BEFORE;
          case "+U" -> RowKind.UPDATE_AFTER;
          default -> RowKind.DELETE;
        };
    return Change.of(kind, price)
        .withEventTime(at)
        .withSourcePosition(Long.parseLong(parts[1].substring(1)));
  }

  private static Long longOrNull(String text) {
    return text.equals("null") ? null : Long.valueOf(text);
  }

  /**
   * The final versions, sorted: {@code "p1 v1 [from, to) (EUR,5)"}. The output is grouped by key
   * first (a stable sort): the collect sink interleaves the two subtasks' records, which may part
   * an UPDATE_BEFORE from its UPDATE_AFTER.
   */
  private static <T> List<String> versions(List<Change<Scd2Row<T>>> output) {
    List<Change<Scd2Row<T>>> byKey = new ArrayList<>(output);
    byKey.sort(Comparator.comparing(change -> change.value().key()));
    return new ArrayList<>(
        new TreeSet<>(
            Scd2Invariants.materialize(byKey).values().stream().map(Scd2Row::toString).toList()));
  }

  /**
   * Records made from {@code specs} by {@code make} in a map chained to the step, as a user's map
   * would make them: {@code fromData} would serialize them (and refuse) at the source.
   */
  private static <T> DataStream<T> made(
      StreamExecutionEnvironment env,
      List<String> specs,
      MapFunction<String, T> make,
      TypeInformation<T> type) {
    return env.fromData(specs, Types.STRING).map(make, type);
  }

  private static StreamExecutionEnvironment environment() {
    Configuration config = new Configuration();
    config.set(StateBackendOptions.STATE_BACKEND, "hashmap");
    config.set(PipelineOptions.GENERIC_TYPES, false);
    config.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
    env.setParallelism(2);
    return env;
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) {
    List<T> all = new ArrayList<>();
    iterator.forEachRemaining(all::add);
    return all;
  }
}
