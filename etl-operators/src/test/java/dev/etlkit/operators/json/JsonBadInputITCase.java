package dev.etlkit.operators.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RawRecord;
import dev.etlkit.core.RecordAccounting;
import dev.etlkit.operators.JsonReadLimits;
import dev.etlkit.operators.PayloadInput;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.IntMaximum;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A running job (local MiniCluster, parallelism 2, generic types disabled) parses 2000 Kafka-style
 * records of which every tenth is broken, in 21 different ways (14 reasons).
 *
 * <p>The restart strategy is fixed-delay with three attempts, not {@code none}, as in production: a
 * bad record that escaped the step would fail its task, and the job would restart and could still
 * finish. So the test looks at restarts directly: an operator chained to the parse step reports the
 * execution attempt of its subtasks ({@code 0} for the first), and it must be 0. (Flink's {@code
 * numRestarts} metric says the same, but reading it through an in-memory reporter proved flaky in a
 * shared test JVM.)
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JsonBadInputITCase {

  private static final int RECORDS = 2000;
  private static final int MAX_DOCUMENT_BYTES = 4096;

  /** The ways records are broken, as "REASON:variant"; cycled through in order. */
  private static final List<String> BAD_KINDS =
      List.of(
          "NO_PAYLOAD:tombstone",
          "EMPTY:empty",
          "EMPTY:whitespace",
          "INVALID_ENCODING:bad-byte",
          "TRUNCATED:half",
          "TRUNCATED:last-byte",
          "TRAILING_CONTENT:extra-brace",
          "NOT_AN_OBJECT:array",
          "NOT_AN_OBJECT:string",
          "MALFORMED:unquoted-name",
          "MALFORMED:single-quotes",
          "WRONG_TYPE:string-for-long",
          "WRONG_TYPE:nested-string-for-int",
          "OUT_OF_RANGE:int-overflow",
          "INVALID_VALUE:unknown-enum",
          "INVALID_VALUE:bad-date",
          "MISSING_REQUIRED_FIELD:named",
          "MISSING_REQUIRED_FIELD:nested-annotated",
          "TOO_LARGE:padding",
          "LIMIT_EXCEEDED:deep-nesting",
          "COERCION_FAILED:amount");

  private static String source(int i) {
    return "orders/" + (i % 3) + "@" + i;
  }

  private static String validJson(int i) {
    return "{\"orderId\":\"o-"
        + i
        + "\",\"customerNumber\":"
        + (1000 + i)
        + ",\"amount\":\""
        + i
        + ".25\",\"orderDate\":\""
        + LocalDate.of(2024, 1, 1).plusDays(i % 365)
        + "\",\"status\":\""
        + Order.Status.values()[i % 3]
        + "\",\"shipping\":{\"city\":\"c-"
        + (i % 7)
        + "\"},\"lines\":[{\"sku\":\"s-"
        + i
        + "\",\"quantity\":"
        + (i % 5)
        + "}]}";
  }

  private static Order expected(int i) {
    Order o = new Order();
    o.orderId = "o-" + i;
    o.customerNumber = 1000 + i;
    o.amount = new BigDecimal(i + ".25");
    o.orderDate = LocalDate.of(2024, 1, 1).plusDays(i % 365);
    o.status = Order.Status.values()[i % 3];
    o.shipping = new Address(null, "c-" + (i % 7));
    o.lines = List.of(new Line("s-" + i, i % 5, null));
    return o;
  }

  /** A broken payload of the given kind; null for a tombstone. */
  private static byte[] badPayload(String kind, int i) {
    String valid = validJson(i);
    switch (kind.substring(kind.indexOf(':') + 1)) {
      case "tombstone":
        return null;
      case "empty":
        return new byte[0];
      case "whitespace":
        return utf8(" \n ");
      case "bad-byte":
        byte[] bytes = utf8(valid);
        bytes[13] = (byte) 0xFE; // inside the orderId string
        return bytes;
      case "half":
        return utf8(valid.substring(0, valid.length() / 2));
      case "last-byte":
        return utf8(valid.substring(0, valid.length() - 1));
      case "extra-brace":
        return utf8(valid + "}");
      case "array":
        return utf8("[" + valid + "]");
      case "string":
        return utf8("\"" + valid.replace("\"", "'") + "\"");
      case "unquoted-name":
        return utf8(valid.replace("\"orderId\"", "orderId"));
      case "single-quotes":
        return utf8(valid.replace('"', '\''));
      case "string-for-long":
        return utf8(valid.replace("\"customerNumber\":", "\"customerNumber\":\"x\",\"ignored\":"));
      case "nested-string-for-int":
        return utf8(valid.replace("\"quantity\":", "\"quantity\":\"x\",\"ignored\":"));
      case "int-overflow":
        return utf8(valid.replace("\"quantity\":", "\"quantity\":99999999999,\"ignored\":"));
      case "unknown-enum":
        return utf8(valid.replace("\"status\":\"", "\"status\":\"LOST-"));
      case "bad-date":
        return utf8(valid.replace("\"orderDate\":\"2024", "\"orderDate\":\"2024-13"));
      case "named":
        return utf8(valid.replace("\"orderId\":\"o-" + i + "\",", ""));
      case "nested-annotated":
        return utf8(valid.replace("{\"city\":\"c-" + (i % 7) + "\"}", "{\"street\":\"s\"}"));
      case "padding":
        return utf8(valid.replace("}]}", "}],\"tags\":{\"pad\":\"" + "x".repeat(5000) + "\"}}"));
      case "deep-nesting":
        return utf8(valid.replace("}]}", "}],\"deep\":" + "[".repeat(70) + "]".repeat(70) + "}"));
      case "amount":
        return utf8(valid.replace("\"amount\":\"", "\"amount\":\"n/a-"));
      default:
        throw new IllegalArgumentException(kind);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static <T> List<T> drain(CloseableIterator<T> iterator) throws Exception {
    List<T> all = new ArrayList<>();
    try (iterator) {
      iterator.forEachRemaining(all::add);
    }
    return all;
  }

  @Test
  void tenPercentBadRecords_becomeExactlyTheirDeadLetters_withoutARestart() throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
    conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
    env.setParallelism(2);

    List<RawRecord> input = new ArrayList<>();
    List<Order> reference = new ArrayList<>();
    Map<String, String> injected = new HashMap<>(); // source -> reason
    for (int i = 0; i < RECORDS; i++) {
      if (i % 10 == 9) {
        String kind = BAD_KINDS.get((i / 10) % BAD_KINDS.size());
        injected.put(source(i), kind.substring(0, kind.indexOf(':')));
        input.add(new RawRecord(utf8("k-" + i), badPayload(kind, i), source(i), 1_000L + i));
      } else {
        reference.add(expected(i));
        input.add(new RawRecord(utf8("k-" + i), utf8(validJson(i)), source(i), 1_000L + i));
      }
    }
    DataStream<RawRecord> kafka =
        env.fromData(RawRecord.TYPE_INFO, input.toArray(new RawRecord[0]));

    // tag::json-pipeline[]
    EtlStream<Order> orders =
        Etl.from(kafka, "orders")
            .apply(
                Json.parse("parse", Order.class)
                    .withInput(PayloadInput.rawRecords()) // keys, tombstones, source offsets
                    .withRequiredFields("orderId")
                    .withFieldCoercion("amount", Coercion.tryCast().orDeadLetter())
                    .withReadLimits(
                        JsonReadLimits.defaults().withMaxDocumentBytes(MAX_DOCUMENT_BYTES)));
    // end::json-pipeline[]
    CloseableIterator<Order> parsed =
        orders.toDataStream().map(new AttemptProbe()).returns(orders.type()).collectAsync();
    CloseableIterator<DeadLetter> rejected = orders.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("json-bad-input");
    List<Order> output = drain(parsed);
    List<DeadLetter> letters = drain(rejected);

    assertThat((Integer) result.getAccumulatorResult(AttemptProbe.ACCUMULATOR))
        .as("highest task attempt: 0 means no restart")
        .isZero();
    assertThat(output)
        .hasSize(RECORDS - injected.size())
        .containsExactlyInAnyOrderElementsOf(reference);
    assertThat(letters).hasSize(injected.size());
    Map<String, String> reasons = new HashMap<>();
    for (DeadLetter letter : letters) {
      reasons.put(
          letter.sourcePosition(),
          letter.errorMessage().substring(0, letter.errorMessage().indexOf(':')));
    }
    assertThat(reasons).isEqualTo(injected);
    assertThat(injected).hasSize(RECORDS / 10);
    assertThat(new HashSet<>(injected.values())).hasSize(14);

    RecordAccounting accounting = RecordAccounting.of(result);
    RecordAccounting.StepCounts parse = accounting.step("orders", "parse");
    assertThat(parse.in()).isEqualTo(RECORDS);
    assertThat(parse.out()).isEqualTo(RECORDS - injected.size());
    assertThat(parse.deadLettered()).isEqualTo(injected.size());
    assertThat(accounting.isBalanced()).isTrue();
  }

  /**
   * Passes records on and reports the highest execution attempt of its subtasks: 0 unless a task
   * failed and Flink restarted it. Chained to the parse operator, so a failure there restarts it.
   */
  static final class AttemptProbe extends RichMapFunction<Order, Order> {
    static final String ACCUMULATOR = "json-it/max-attempt";

    @Override
    public void open(OpenContext openContext) {
      IntMaximum attempts = new IntMaximum();
      attempts.add(getRuntimeContext().getTaskInfo().getAttemptNumber());
      getRuntimeContext().addAccumulator(ACCUMULATOR, attempts);
    }

    @Override
    public Order map(Order value) {
      return value;
    }
  }
}
