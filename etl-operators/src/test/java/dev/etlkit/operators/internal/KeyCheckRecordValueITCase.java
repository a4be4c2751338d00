package dev.etlkit.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlPipeline;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.PayloadInput;
import dev.etlkit.operators.dedup.Dedup;
import dev.etlkit.operators.enrich.DimensionJoin;
import dev.etlkit.operators.enrich.JoinStatus;
import dev.etlkit.operators.json.Json;
import dev.etlkit.operators.normalize.ChangelogCheck;
import dev.etlkit.operators.normalize.Normalize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.annotation.Nullable;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Found on 2026-11-25, after the key checks learnt to look into tuples below POJOs, records and
 * rows: the record VALUE a keyed step ships over its {@code keyBy} can hold what its serializer
 * cannot write, a Flink tuple with a {@code null} field whose serializer refuses {@code null} (a
 * {@code Long}, a nested tuple; a {@code String} field writes its {@code null}), at top level or
 * inside a POJO, record or row (JSON {@code {"f0":"EUR","f1":null}} parsed into a {@code
 * Tuple2<String, Long>} field). It passed the key check and failed the job at the network
 * serializer of the shuffle ({@code NullFieldException}), after every restart again. Now such a
 * record is a dead letter of the step before the shuffle, naming the field's path; the other
 * records go on.
 */
@Timeout(120)
class KeyCheckRecordValueITCase {

  @RegisterExtension
  static final MiniClusterExtension MINI_CLUSTER =
      new MiniClusterExtension(
          new MiniClusterResourceConfiguration.Builder()
              .setNumberTaskManagers(1)
              .setNumberSlotsPerTaskManager(2)
              .build());

  /** A record whose serializer cannot write a {@code null} in {@code amount.f1}. */
  public record Payment(String id, String customer, Tuple2<String, Long> amount) {}

  /** A dimension row whose serializer cannot write a {@code null} in {@code limit.f1}. */
  public record Customer(String id, Tuple2<String, Long> limit) {}

  static final TypeInformation<Payment> PAYMENT = TypeInformation.of(Payment.class);
  static final TypeInformation<Customer> CUSTOMER = TypeInformation.of(Customer.class);

  private static final String MESSAGE =
      "record field amount.f1 is null, which Flink's tuple serializer cannot write";

  @Test
  void dedup_jsonRecordHoldingATupleWithANullLong_deadLetteredWithItsPath() throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<String> json =
        env.fromData(
            List.of(
                "{\"id\":\"p1\",\"customer\":\"c1\",\"amount\":{\"f0\":\"EUR\",\"f1\":5}}",
                "{\"id\":\"p2\",\"customer\":\"c1\",\"amount\":{\"f0\":\"EUR\",\"f1\":null}}",
                // a null String in a tuple is written: it crosses the shuffle as it did before
                "{\"id\":\"p3\",\"customer\":\"c1\",\"amount\":{\"f0\":null,\"f1\":7}}",
                "{\"id\":\"p1\",\"customer\":\"c1\",\"amount\":{\"f0\":\"EUR\",\"f1\":6}}"),
            Types.STRING);
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Payment> firsts =
        pipeline
            .from(json)
            .apply(Json.parse("parse", Payment.class).withInput(PayloadInput.text()))
            .apply(Dedup.keepFirst("dedup", Payment::id).withKeyType(Types.STRING));
    CloseableIterator<Payment> output = firsts.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("dedup-record-values");

    // p1's two records are parsed by different subtasks (the parse is rebalanced from the
    // one-subtask source), so either may reach the dedup first: one of them is kept
    assertThat(drain(output))
        .hasSize(2)
        .contains(new Payment("p3", "c1", Tuple2.of(null, 7L)))
        .containsAnyOf(
            new Payment("p1", "c1", Tuple2.of("EUR", 5L)),
            new Payment("p1", "c1", Tuple2.of("EUR", 6L)));
    assertThat(letters(deadLetters))
        .containsExactly("pay/dedup java.lang.IllegalArgumentException: " + MESSAGE);
    RecordAccounting.StepCounts dedup = RecordAccounting.of(result).step("pay", "dedup");
    assertThat(List.of(dedup.in(), dedup.out(), dedup.deduplicated(), dedup.deadLettered()))
        .as(dedup.toString())
        .containsExactly(4L, 2L, 1L, 1L);
  }

  @Test
  void dedup_topLevelTupleWithANullLong_deadLetteredWithItsPath() throws Exception {
    StreamExecutionEnvironment env = environment();
    TypeInformation<Tuple2<String, Long>> type = Types.TUPLE(Types.STRING, Types.LONG);
    DataStream<Tuple2<String, Long>> input =
        made(env, List.of("k1:1", "k2:null", "k3:3"), s -> amount(s.split(":")[0], s), type);
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Tuple2<String, Long>> firsts =
        pipeline
            .from(input)
            .apply(
                Dedup.keepFirst("dedup", (Tuple2<String, Long> t) -> t.f0)
                    .withKeyType(Types.STRING));
    CloseableIterator<Tuple2<String, Long>> output = firsts.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    env.execute("dedup-tuple-values");

    assertThat(drain(output)).containsExactlyInAnyOrder(Tuple2.of("k1", 1L), Tuple2.of("k3", 3L));
    assertThat(letters(deadLetters))
        .containsExactly(
            "pay/dedup java.lang.IllegalArgumentException: record field f1 is null, which"
                + " Flink's tuple serializer cannot write");
  }

  /** A line whose serializer cannot write a {@code null} in {@code amount.f1}. */
  public record Line(String sku, Tuple2<String, Long> amount) {}

  /** An order whose lines are a list type (Flink's type extractor: {@code List<Line>}). */
  public record Order(String id, List<Line> lines) {}

  @Test
  void dedup_recordHoldingAListOfTuplesWithANullLong_deadLetteredWithTheElementsPath()
      throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<Order> input =
        made(
            env,
            List.of("o1:5", "o2:null", "o3:7"),
            KeyCheckRecordValueITCase::order,
            TypeInformation.of(Order.class));
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Order> firsts =
        pipeline.from(input).apply(Dedup.keepFirst("dedup", Order::id).withKeyType(Types.STRING));
    CloseableIterator<Order> output = firsts.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("dedup-list-values");

    assertThat(drain(output)).containsExactlyInAnyOrder(order("o1:5"), order("o3:7"));
    assertThat(letters(deadLetters))
        .containsExactly(
            "pay/dedup java.lang.IllegalArgumentException: record field lines[1].amount.f1 is"
                + " null, which Flink's tuple serializer cannot write");
    RecordAccounting.StepCounts dedup = RecordAccounting.of(result).step("pay", "dedup");
    assertThat(List.of(dedup.in(), dedup.out(), dedup.deadLettered()))
        .as(dedup.toString())
        .containsExactly(3L, 2L, 1L);
  }

  /** Counts declared as users write them ({@code Types.POJO}, {@code returns(...)}). */
  public record Counts(String id, List<Long> values) {}

  /** A list type whose serializer hands a {@code null} element to Flink's Long serializer. */
  static final TypeInformation<Counts> COUNTS =
      Types.POJO(Counts.class, Map.of("id", Types.STRING, "values", Types.LIST(Types.LONG)));

  @Test
  void dedup_recordHoldingADeclaredListOfLongsWithANullElement_deadLetteredWithItsPosition()
      throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<Counts> input =
        made(env, List.of("c1:5", "c2:null", "c3:7"), KeyCheckRecordValueITCase::counts, COUNTS);
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Counts> firsts =
        pipeline.from(input).apply(Dedup.keepFirst("dedup", Counts::id).withKeyType(Types.STRING));
    CloseableIterator<Counts> output = firsts.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("dedup-list-elements");

    assertThat(drain(output)).containsExactlyInAnyOrder(counts("c1:5"), counts("c3:7"));
    assertThat(letters(deadLetters))
        .containsExactly(
            "pay/dedup java.lang.IllegalArgumentException: record field values[1] is null,"
                + " which Flink's list serializer cannot write");
    RecordAccounting.StepCounts dedup = RecordAccounting.of(result).step("pay", "dedup");
    assertThat(List.of(dedup.in(), dedup.out(), dedup.deadLettered()))
        .as(dedup.toString())
        .containsExactly(3L, 2L, 1L);
  }

  /** {@code "c2:null"}: counts c2, values [1, null]. */
  static Counts counts(String spec) {
    Tuple2<String, Long> value = amount("", spec);
    return new Counts(spec.split(":")[0], Arrays.asList(1L, value.f1));
  }

  /** {@code "o2:null"}: order o2, a first line (EUR, 1) and a second (EUR, null). */
  static Order order(String spec) {
    return new Order(
        spec.split(":")[0],
        List.of(new Line("a", Tuple2.of("EUR", 1L)), new Line("b", amount("EUR", spec))));
  }

  @Test
  void upserts_changeOfARecordHoldingATupleWithANullLong_deadLetteredWithItsPath()
      throws Exception {
    StreamExecutionEnvironment env = environment();
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Change<Payment>> normalized =
        pipeline
            .from(payments(env))
            .apply(Normalize.upserts("normalize", Payment::id, Types.STRING));
    CloseableIterator<Change<Payment>> output = normalized.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("normalize-record-values");

    assertThat(drain(output))
        .containsExactly(Change.insert(new Payment("p1", "c1", Tuple2.of("EUR", 5L))));
    assertThat(letters(deadLetters))
        .containsExactly("pay/normalize java.lang.IllegalArgumentException: " + MESSAGE);
    RecordAccounting.StepCounts step = RecordAccounting.of(result).step("pay", "normalize");
    assertThat(List.of(step.in(), step.out(), step.deadLettered()))
        .as(step.toString())
        .containsExactly(2L, 1L, 1L);
  }

  @Test
  void changelogCheck_changeOfARecordHoldingATupleWithANullLong_deadLetteredWithItsPath()
      throws Exception {
    StreamExecutionEnvironment env = environment();
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<Change<Payment>> checked =
        pipeline
            .from(payments(env))
            .apply(ChangelogCheck.validate("check", Payment::id, Types.STRING));
    CloseableIterator<Change<Payment>> output = checked.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    env.execute("changelog-check-record-values");

    assertThat(drain(output))
        .containsExactly(Change.insert(new Payment("p1", "c1", Tuple2.of("EUR", 5L))));
    assertThat(letters(deadLetters))
        .containsExactly("pay/check java.lang.IllegalArgumentException: " + MESSAGE);
  }

  @Test
  void dimensionJoin_factOrDimensionRecordHoldingATupleWithANullLong_deadLetteredWithItsPath()
      throws Exception {
    StreamExecutionEnvironment env = environment();
    DataStream<Change<Customer>> customers =
        made(
            env,
            List.of("c1:100", "c2:null"),
            s -> Change.insert(new Customer(s.split(":")[0], amount("EUR", s))),
            Change.typeInfo(CUSTOMER));
    DataStream<Payment> facts =
        made(env, List.of("p1:5", "p2:null"), KeyCheckRecordValueITCase::payment, PAYMENT);
    EtlPipeline pipeline = Etl.pipeline("pay");
    EtlStream<String> joined =
        pipeline
            .from(facts)
            .apply(
                DimensionJoin.latest(
                    "customer",
                    customers,
                    Payment::customer,
                    Customer::id,
                    KeyCheckRecordValueITCase::combine,
                    Types.STRING));
    CloseableIterator<String> output = joined.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> deadLetters = pipeline.deadLetters().collectAsync();

    JobExecutionResult result = env.execute("join-record-values");

    // processing time: p1 may arrive before c1; either way it is p1's only output
    assertThat(drain(output)).singleElement().asString().startsWith("p1 ");
    assertThat(letters(deadLetters))
        .containsExactlyInAnyOrder(
            "pay/customer java.lang.IllegalArgumentException: " + MESSAGE,
            "pay/customer java.lang.IllegalArgumentException: record field limit.f1 is null,"
                + " which Flink's tuple serializer cannot write");
    RecordAccounting.StepCounts step = RecordAccounting.of(result).step("pay", "customer");
    assertThat(List.of(step.in(), step.out(), step.deadLettered()))
        .as(step.toString())
        .containsExactly(2L, 1L, 1L);
  }

  static String combine(Payment fact, @Nullable Customer customer, JoinStatus status) {
    return fact.id() + " " + status;
  }

  /** p1 upserted, then p2 with a {@code null} amount.f1. */
  private static DataStream<Change<Payment>> payments(StreamExecutionEnvironment env) {
    return made(
        env, List.of("p1:5", "p2:null"), s -> Change.insert(payment(s)), Change.typeInfo(PAYMENT));
  }

  /**
   * Records made from {@code specs} by {@code make} in a map chained to the step's key check, as a
   * user's map would make them: {@code fromData} would serialize them (and refuse) at the source.
   */
  private static <T> DataStream<T> made(
      StreamExecutionEnvironment env,
      List<String> specs,
      MapFunction<String, T> make,
      TypeInformation<T> type) {
    return env.fromData(specs, Types.STRING).map(make, type);
  }

  /** {@code "p2:null"}: payment p2 of customer c1, amount (EUR, null). */
  static Payment payment(String spec) {
    return new Payment(spec.split(":")[0], "c1", amount("EUR", spec));
  }

  /** ({@code currency}, the number after the colon of {@code spec}, or {@code null}). */
  static Tuple2<String, Long> amount(String currency, String spec) {
    String value = spec.substring(spec.indexOf(':') + 1);
    return Tuple2.of(currency, value.equals("null") ? null : Long.valueOf(value));
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

  private static List<String> letters(CloseableIterator<DeadLetter> deadLetters) {
    return drain(deadLetters).stream()
        .map(l -> l.uid() + " " + l.errorClass() + ": " + l.errorMessage())
        .toList();
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) {
    List<T> all = new ArrayList<>();
    iterator.forEachRemaining(all::add);
    return all;
  }
}
