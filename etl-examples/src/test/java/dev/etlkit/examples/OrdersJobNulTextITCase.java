package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The example job on its sample, with two more changes of Anna: one whose name holds a NUL
 * character (valid JSON, {@code "An\\u0000na"}), then its correction. Before the customers pipeline
 * had a {@code writable} step, the first passed decode, valid-time, normalize and the SCD2 step
 * into the history, whose PostgreSQL sink cannot write it (SQLState 22021): the sink failed the
 * job, and the restart replayed the same change. Now it is a dead letter of {@code
 * customers/writable}, before anything keeps state of it, and its correction (whose before-image
 * still holds the NUL) reaches the history like any change.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OrdersJobNulTextITCase {

  private static final long AT_14 = 1_793_628_000_000L; // 2026-11-02T14:00:00Z

  private static final long AT_15 = 1_793_631_600_000L; // 2026-11-02T15:00:00Z

  /** Anna's name with a NUL character, as the JSON of her change event writes it. */
  private static final String NUL_NAME = "An\\u0000na";

  @Test
  void nameWithANul_isADeadLetterOfWritable_andItsCorrectionReachesTheHistory() throws Exception {
    List<String> changes = new ArrayList<>(OrdersJob.customerChangeLines());
    changes.add(update(24_024_400L, AT_14, anna("Anna", "Oslo"), anna(NUL_NAME, "Bergen")));
    changes.add(update(24_024_500L, AT_15, anna(NUL_NAME, "Bergen"), anna("Anna", "Bergen")));
    StreamExecutionEnvironment env = OrdersJob.localEnvironment("hashmap");

    OrdersRun run =
        OrdersRun.execute(
            env,
            OrdersJob.wire(
                env.fromData(OrdersJob.sampleLines(), Types.STRING),
                env.fromData(changes, Types.STRING)),
            "orders-job-nul-text");

    assertThat(run.dimensionChanges())
        .as("nothing the history's PostgreSQL sink cannot write")
        .extracting(change -> change.value().value().name())
        .noneMatch(name -> name.indexOf('\0') >= 0);
    assertThat(run.finalDimension())
        .filteredOn(v -> v.key().equals("c-anna"))
        .extracting(v -> OrdersJobTest.version(v) + " " + v.value().name())
        .containsExactly(
            "c-anna v1 2026-11-02T08:00:00Z 2026-11-02T13:00:00Z closed standard Oslo Anna",
            "c-anna v2 2026-11-02T13:00:00Z 2026-11-02T15:00:00Z closed gold Oslo Anna",
            "c-anna v3 2026-11-02T15:00:00Z 9999-12-31T00:00:00Z current gold Bergen Anna");
    assertThat(run.customerChanges())
        .extracting(Change::value)
        .noneMatch(customer -> customer.name().indexOf('\0') >= 0);

    List<DeadLetter> writable =
        run.deadLetters().stream().filter(l -> l.step().equals("writable")).toList();
    assertThat(writable)
        .as("the update's +U; its -U is checked by its key alone")
        .singleElement()
        .satisfies(
            letter -> {
              assertThat(letter.uid()).isEqualTo("customers/writable");
              assertThat(letter.errorClass()).isEqualTo(IllegalArgumentException.class.getName());
              assertThat(letter.errorMessage())
                  .isEqualTo(
                      "column 'name' holds a NUL character (U+0000) at index 2, which PostgreSQL"
                          + " cannot store in text");
              assertThat(letter.sourcePosition()).isEqualTo("24024400");
            });

    RecordAccounting accounting = run.accounting();
    assertThat(accounting.isBalanced()).as(accounting.toTable()).isTrue();
    RecordAccounting.StepCounts counts = accounting.step(OrdersJob.CUSTOMERS_PIPELINE, "writable");
    assertThat(counts.in())
        .isEqualTo(accounting.step(OrdersJob.CUSTOMERS_PIPELINE, "decode").emitted());
    assertThat(counts.deadLettered()).isEqualTo(1);
    assertThat(accounting.step(OrdersJob.CUSTOMERS_PIPELINE, "valid-time").in())
        .isEqualTo(counts.out());
  }

  /** A Debezium update of Anna with her before-image, committed at {@code tsMs}. */
  private static String update(long lsn, long tsMs, String before, String after) {
    return "{\"before\":"
        + before
        + ",\"after\":"
        + after
        + ",\"source\":{\"version\":\"2.7.3.Final\",\"connector\":\"postgresql\",\"name\":\"shop\","
        + "\"ts_ms\":"
        + tsMs
        + ",\"snapshot\":\"false\",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"customers\","
        + "\"lsn\":"
        + lsn
        + "},\"op\":\"u\",\"ts_ms\":"
        + (tsMs + 40)
        + "}";
  }

  private static String anna(String name, String city) {
    return "{\"id\":\"c-anna\",\"name\":\""
        + name
        + "\",\"tier\":\"gold\",\"city\":\""
        + city
        + "\"}";
  }
}
